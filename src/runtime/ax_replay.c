/* ax_replay.c - see ax_replay.h. */
#include "ax_replay.h"

int ax_replay_accept(uint64_t last, uint64_t counter, uint64_t *lost)
{
	if (counter <= last)
		return -1;
	*lost = counter - last - 1;
	return 0;
}

int ax_replay_next(uint64_t *counter)
{
	if (*counter == AX_REPLAY_LAST)
		return -1;
	(*counter)++;
	return 0;
}
