// ctest fixture helper for the Redis tests (cmake/HashsketchHiredis.cmake):
//   hashsketch_redis_fixture start <state dir> [redis-server path]
//       starts redis-server on 127.0.0.1 on a free port, persistence off, in
//       <state dir>; writes <state dir>/port and <state dir>/pid; exits 0 once
//       the server answers PING, non-zero (with the server's log) otherwise —
//       a missing or broken server is a failure, never a skip.
//   hashsketch_redis_fixture stop <state dir>
//       SHUTDOWN NOSAVE (SIGKILL after 5 s) and removes the state files.
//   hashsketch_redis_fixture exec <state dir> <program> [args...]
//       runs the program with HASHSKETCH_REDIS_PORT set and the port appended
//       as "127.0.0.1 <port>" arguments (for the example).
#ifndef HASHSKETCH_NO_HIREDIS
#include "redis_process.hpp"
#endif

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

namespace {

int usage() {
  std::fprintf(stderr, "usage: hashsketch_redis_fixture start|stop|exec <state dir> [...]\n");
  return 2;
}

#ifndef HASHSKETCH_NO_HIREDIS
int read_int(const std::string& path) {
  const std::string text = redis_support::read_file(path);
  return text.empty() ? -1 : std::atoi(text.c_str());
}
#endif

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) return usage();
  const std::string mode = argv[1], dir = argv[2];
#ifdef HASHSKETCH_NO_HIREDIS
  (void)mode;
  (void)dir;
  std::fprintf(stderr, "FAIL: built without hiredis (install libhiredis-dev): cannot run the Redis fixture\n");
  return 1;
#else
  if (mode == "start") {
    const std::string exe = argc > 3 ? argv[3] : "redis-server";
    std::remove((dir + "/port").c_str());
    std::string error;
    const redis_support::server s = redis_support::start_server(exe, dir, error);
    if (s.pid <= 0) {
      std::fprintf(stderr, "FAIL: cannot start %s: %s\n", exe.c_str(), error.c_str());
      return 1;
    }
    std::ofstream(dir + "/pid") << s.pid << '\n';
    std::ofstream(dir + "/port") << s.port << '\n';
    std::printf("redis-server pid %d listening on 127.0.0.1:%d (state in %s)\n", static_cast<int>(s.pid), s.port,
                dir.c_str());
    return 0;
  }
  if (mode == "stop") {
    const redis_support::server s{static_cast<pid_t>(read_int(dir + "/pid")), read_int(dir + "/port")};
    if (s.pid <= 0) {
      std::printf("no server recorded in %s: nothing to stop\n", dir.c_str());
      return 0;
    }
    const bool clean = redis_support::stop_server(s, false);
    std::remove((dir + "/port").c_str());
    std::remove((dir + "/pid").c_str());
    std::printf("redis-server pid %d %s\n", static_cast<int>(s.pid), clean ? "shut down" : "killed");
    return 0;
  }
  if (mode == "exec" && argc > 3) {
    const int port = read_int(dir + "/port");
    if (port <= 0) {
      std::fprintf(stderr, "FAIL: no server port in %s/port (did the fixture start?)\n", dir.c_str());
      return 1;
    }
    const std::string port_s = std::to_string(port);
    ::setenv("HASHSKETCH_REDIS_PORT", port_s.c_str(), 1);
    std::vector<char*> args(argv + 3, argv + argc);
    std::string host = "127.0.0.1";
    args.push_back(&host[0]);
    std::string port_arg = port_s;
    args.push_back(&port_arg[0]);
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    std::perror("exec");
    return 1;
  }
  return usage();
#endif
}
