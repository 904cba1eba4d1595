# cmake/purity.cmake — ctest purity_<room>: the room's pure half calls no I/O (files, sockets, processes, clocks, the loop)
#   cmake -DNM=nm -DLIB=libfs_<room>_pure.a -DROOM=name -P cmake/purity.cmake
# The undefined symbols of every object in the library (nm -u) against what a pure module must not use: they
# take events and time as arguments and return decisions, so tests can drive them with tables.
foreach(v NM LIB ROOM)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "purity.cmake: -D${v}=... is required")
  endif()
endforeach()
execute_process(COMMAND ${NM} -u -P ${LIB} OUTPUT_VARIABLE out RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "purity.cmake: ${NM} -u ${LIB} failed (${rc})")
endif()
set(forbidden "^(open|open64|openat|creat|opendir|fdopendir|readdir|stat|lstat|fstat|stat64|lstat64|fstatat|statx|\
read|write|pread|pwrite|close|unlink|rename|mkdir|rmdir|mkdtemp|mkstemp|fopen|fopen64|socket|connect|bind|accept|\
accept4|send|sendto|recv|recvfrom|fork|vfork|execv|execvp|execve|execl|execlp|posix_spawn|posix_spawnp|system|popen|\
waitpid|kill|clock_gettime|time|gettimeofday|sleep|usleep|nanosleep|mount|umount|umount2|ioctl|io_[a-z_]+|\
loop_[a-z_]+|ev_[a-z_]+|hal_now_ms|getenv|setenv)$")
set(bad "")
string(REPLACE "\n" ";" lines "${out}")
foreach(line ${lines})
  if(line MATCHES "^([^ :]+) U")
    set(sym ${CMAKE_MATCH_1})
    string(REGEX REPLACE "@.*" "" sym ${sym})
    if(sym MATCHES "${forbidden}")
      string(APPEND bad " ${sym}")
    endif()
  endif()
endforeach()
if(bad)
  message(FATAL_ERROR "app/${ROOM}'s pure half (${LIB}) calls I/O:${bad}")
endif()
message(STATUS "app/${ROOM}: pure half calls no I/O")
