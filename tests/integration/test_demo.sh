#!/bin/bash
# test_demo.sh SRC_DIR BUILD_DIR - the irrigation example (examples/irrigation)
# on three authexd processes on 127.0.0.1, driven by the authex CLI:
#   deploy        five modules loaded and attested, eight connections keyed
#   events        dashboard summaries arrive (request/handler across two
#                 nodes, then an output to the deployer), their readings
#                 count grows (periodic sampling), the controller opens a
#                 valve on its own
#   output        the operator's override closes both valves
#   request       the controller's state, straight from the deployer
#   call          an injected reading; an out-of-range one is refused
#   status        after the sensors are disabled: every event a sender
#                 counted was accepted by the receiver, none rejected or lost
#   deploy again  changes nothing on any node
#   down          every node unloads the deployment
set -u
. "$(dirname "$0")/lib.sh"
ax_setup "$1" "$2"
ax_need_binaries

P1=$(ax_free_port) P2=$(ax_free_port) P3=$(ax_free_port)
ax_irrigation_app "$T/app" "$P1" "$P2" "$P3"
APP=$T/app/app.yaml
ax_provision "$APP" field gateway cloud
ax_start_node field "$P1"
ax_start_node gateway "$P2"
ax_start_node cloud "$P3"
AX=("$AUTHEX" --keystore "$APP.keys" --state "$T/state.db")

ax_demo_scenario
echo "PASS test_demo"
