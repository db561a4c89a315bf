# SPDX-License-Identifier: MIT
# Install layout (relative to the prefix; DESTDIR works as usual):
#   bin/unixtrace                         the command
#   lib/unixtrace/libunixtrace.so         the LD_PRELOAD shim     } private: found by
#   lib/unixtrace/ut_demo                 the demo workload        } unixtrace from
#                                                                    /proc/self/exe
#   share/man/man1/unixtrace.1            the manual
#   share/bash-completion/completions/unixtrace
#   share/doc/unixtrace/                  README, cli.md, json.md, pipelines.md
#   lib/systemd/system/unixtrace.service  the service (`trace --config`), not enabled
#   share/doc/unixtrace/trace.conf        its options, to copy to /etc/unixtrace/
# The BPF objects are compiled into unixtrace (skeletons): nothing else to install.
# UT_PRIVATE_DIR (viewer/CMakeLists.txt passes it to the code as a path relative
# to bin/) is the one home of the private directory's name.
install(TARGETS unixtrace RUNTIME DESTINATION bin)
install(TARGETS unixtrace_preload LIBRARY DESTINATION ${UT_PRIVATE_DIR})
install(TARGETS ut_demo RUNTIME DESTINATION ${UT_PRIVATE_DIR})
install(FILES ${CMAKE_SOURCE_DIR}/docs/man/unixtrace.1 DESTINATION share/man/man1)
install(FILES ${CMAKE_SOURCE_DIR}/contrib/bash-completion/unixtrace
  DESTINATION share/bash-completion/completions)
install(FILES ${CMAKE_SOURCE_DIR}/README.md ${CMAKE_SOURCE_DIR}/docs/cli.md
  ${CMAKE_SOURCE_DIR}/docs/json.md ${CMAKE_SOURCE_DIR}/docs/pipelines.md
  ${CMAKE_SOURCE_DIR}/contrib/systemd/trace.conf DESTINATION share/doc/unixtrace)
install(FILES ${CMAKE_SOURCE_DIR}/contrib/systemd/unixtrace.service
  DESTINATION lib/systemd/system)
