/*
 * node_perm.h - the node's permission table: which frame types a
 * connection may send in which session state (docs/node.md §2).
 *
 * Every frame a node receives is checked here right after ax_frame_open
 * and before anything else looks at it. A frame type the table does not
 * know is NODE_PERM_UNKNOWN; a known type that this role/state may not
 * send is NODE_PERM_DENIED. Both end the connection (BYE DENIED, close)
 * and are counted in frames_rejected. State only advances through the
 * HELLO handler (the one one-shot frame). Pure: no I/O, no state.
 */
#ifndef NODE_PERM_H
#define NODE_PERM_H

#include <stdint.h>

/* Session states = role x handshake progress. */
enum node_sess_state {
	NODE_SS_HELLO = 0,    /* accepted, waiting for the peer's HELLO */
	NODE_SS_DEPLOYER = 1, /* accepted, HELLO role DEPLOYER done: AUTH */
	NODE_SS_PEER = 2,     /* accepted, HELLO role PEER done: no keys */
	NODE_SS_LINK_HELLO = 3, /* our outgoing peer link, HELLO sent */
	NODE_SS_LINK_UP = 4,  /* our outgoing peer link, HELLO answered */
	NODE_SS_COUNT
};

enum node_perm {
	NODE_PERM_OK = 0,
	NODE_PERM_UNKNOWN = 1, /* type not in the table */
	NODE_PERM_DENIED = 2,  /* type known, not allowed in this state */
};

/* What the node owes the sender of a permitted frame. */
enum node_answer {
	NODE_ANS_NONE = 0,   /* HELLO (answered by HELLO), EVENT, BYE */
	NODE_ANS_RESULT = 1, /* exactly one RESULT echoing seq and type */
	NODE_ANS_STATUS = 2, /* STATUS (or RESULT with an error) */
};

/* node_perm_check - may a connection in state st send a frame of type?
 * st out of range is DENIED. */
enum node_perm node_perm_check(enum node_sess_state st, uint16_t type);

/* node_perm_answer - the answer a permitted frame of type gets. */
enum node_answer node_perm_answer(uint16_t type);

/* node_perm_state_name - "hello", "deployer", ... for logs. */
const char *node_perm_state_name(enum node_sess_state st);

#endif /* NODE_PERM_H */
