#!/bin/bash
# test_netns.sh SRC_DIR BUILD_DIR - the irrigation demo across three network
# namespaces, each node with its own address, like three machines:
#
#     field 10.200.1.2        gateway 10.200.2.2        cloud 10.200.3.2
#           |                       |                        |
#      10.200.1.1 ------------ router namespace ------- 10.200.3.1
#                              10.200.2.1  (forwards; the deployer runs here)
#
# Each authexd binds only its namespace's address; peer links go through
# the router. Then the checks of test_demo.sh (ax_demo_scenario in lib.sh).
# Needs root (CI runs as root); otherwise it skips. The namespaces are
# deleted on exit, whatever happens.
set -u
. "$(dirname "$0")/lib.sh"
ax_setup "$1" "$2"
ax_need_binaries
ax_need_root

NS=axn$$
ax_netns_star "$NS" 3
R=$NS-r
ax_irrigation_app "$T/app" 7311 7312 7313 10.200.1.2 10.200.2.2 10.200.3.2
APP=$T/app/app.yaml
ax_provision "$APP" field gateway cloud
ax_start_node field 7311 10.200.1.2 "$NS-1"
ax_start_node gateway 7312 10.200.2.2 "$NS-2"
ax_start_node cloud 7313 10.200.3.2 "$NS-3"

# Really apart: no node address exists in the root namespace, and the
# gateway's port listens only in the gateway's namespace.
! ip -4 addr show | grep -q ' 10\.200\.' || ax_fail "10.200.x.y exists in the root namespace"
! ax_listening 7312 "$NS-1" || ax_fail "the gateway's port listens in field's namespace"
ax_ok "three nodes in three namespaces: field $NS-1, gateway $NS-2, cloud $NS-3"

AX=(ip netns exec "$R" "$AUTHEX" --keystore "$APP.keys" --state "$T/state.db")
ax_demo_scenario

# The sensors' events crossed the router: the field node's peer link went
# to the gateway's namespace address.
grep -q 'link addr=10.200.2.2:7312 .* up' "$T/node-field.log" ||
	ax_fail "the field node never linked to 10.200.2.2:7312"
ax_ok "peer links ran between namespaces"
echo "PASS test_netns"
