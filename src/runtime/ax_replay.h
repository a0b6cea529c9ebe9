/*
 * ax_replay.h - the counter rules of authex, in one place.
 *
 * Senders number the messages of a connection 1, 2, 3, ... (0 is never
 * sent); receivers accept a counter only if it is strictly greater than the
 * last accepted one. A gap is not hidden: it is reported as lost messages.
 * A sender refuses to go past AX_REPLAY_LAST instead of wrapping, so an IV
 * (built from the counter) can never repeat under one key.
 */
#ifndef AX_REPLAY_H
#define AX_REPLAY_H

#include <stdint.h>

#define AX_REPLAY_LAST UINT64_MAX

/*
 * ax_replay_accept - may `counter` be accepted after `last`?
 * Returns 0 and sets *lost to the number of skipped counters when
 * counter > last; returns -1 (and leaves *lost alone) otherwise.
 * The caller stores `counter` as the new `last` only once the message has
 * also been authenticated.
 */
int ax_replay_accept(uint64_t last, uint64_t counter, uint64_t *lost);

/*
 * ax_replay_next - take the next send counter.
 * Returns 0 and advances *counter, or -1 (counter unchanged) when the
 * counter space is exhausted.
 */
int ax_replay_next(uint64_t *counter);

#endif /* AX_REPLAY_H */
