{
  "targets": [
    {
      "target_name": "ferry_native",
      "sources": [
        "native/addon.cc",
        "native/napi/engine_binding.cc",
        "native/napi/stats_binding.cc",
        "native/napi/router_binding.cc",
        "native/napi/trace_binding.cc",
        "native/napi/names.cc",
        "native/napi/capture_binding.cc",
        "native/napi/convert.cc",
        "native/core/engine.cc",
        "native/core/worker.cc",
        "native/core/graph.cc",
        "native/core/stage.cc",
        "native/core/capture.cc",
        "native/core/netns_scope.cc",
        "native/ports/tap_port.cc",
        "native/ports/packet_port.cc",
        "native/dataplane/dataplane.cc",
        "native/dataplane/graph.cc",
        "native/dataplane/drops.cc",
        "native/parse/parse_stage.cc",
        "native/police/rate_limit_stage.cc",
        "native/security/port_security_stage.cc",
        "native/resolver/resolver_stages.cc",
        "native/l2/mac_table.cc",
        "native/l2/domains.cc",
        "native/l2/bridge_stage.cc",
        "native/l3/ip4_input_stage.cc",
        "native/l3/ip4_forward_stage.cc",
        "native/l3/uplink_stage.cc",
        "native/l3/neighbor_stage.cc",
        "native/l3/neighbors.cc",
        "native/l3/icmp_out.cc",
        "native/nat/conntrack.cc",
        "native/nat/rewrite.cc",
        "native/nat/nat_stage.cc",
        "native/tools/packet_socket.cc",
        "native/tools/netns_file.cc",
        "native/tools/netns_socket.cc"
      ],
      "libraries": ["-lpcap"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "native"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc": ["-std=c++17", "-O2", "-g", "-Wall", "-Wextra", "-Wno-unused-parameter", "-fexceptions"]
    },
    {
      "target_name": "ferry-log-shim",
      "type": "executable",
      "sources": ["native/shim/log_shim.cc"],
      "cflags_cc": ["-std=c++17", "-O2", "-g", "-Wall", "-Wextra"]
    }
  ]
}
