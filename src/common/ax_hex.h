/*
 * ax_hex.h - hex digits, decoded without branching on their value.
 *
 * Key files and the deployer's keystore hold keys in hex, so the decoder
 * must not let timing depend on the digits: the value is computed with
 * masks, not comparisons and jumps.
 */
#ifndef AX_HEX_H
#define AX_HEX_H

/* ax_hex_digit - 0..15 for '0'-'9', 'a'-'f', 'A'-'F'; -1 for anything else. */
static inline int ax_hex_digit(char ch)
{
	unsigned c = (unsigned char)ch;
	unsigned d = c - '0';          /* 0..9 for a digit, else 10.. or wrapped */
	unsigned a = (c | 0x20u) - 'a'; /* 0..5 for a letter a-f in either case */
	/* 1 when x < lim, computed from the borrow of x - lim; ~x >> 31
	 * removes values that wrapped below zero. */
	unsigned is_d = ((d - 10u) >> 31) & (~d >> 31);
	unsigned is_a = ((a - 6u) >> 31) & (~a >> 31);
	unsigned v = ((0u - is_d) & d) | ((0u - is_a) & (a + 10u));

	return (int)(v | ((is_d | is_a) - 1u));
}

#endif /* AX_HEX_H */
