// Test support (not part of the library): start and stop a throwaway
// redis-server on 127.0.0.1 and talk to it with hiredis. Used by the ctest
// fixture (redis_fixture.cpp), the server test, the example's test and the
// benchmark. POSIX only.
#ifndef HASHSKETCH_TESTS_REDIS_PROCESS_HPP
#define HASHSKETCH_TESTS_REDIS_PROCESS_HPP

#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace redis_support {

struct reply_deleter {
  void operator()(redisReply* r) const noexcept { freeReplyObject(r); }
};
using reply_ptr = std::unique_ptr<redisReply, reply_deleter>;
struct context_deleter {
  void operator()(redisContext* c) const noexcept { redisFree(c); }
};
using context_ptr = std::unique_ptr<redisContext, context_deleter>;

/// Connects to host:port; nullptr (and `error` set) when that fails.
inline context_ptr connect(const std::string& host, int port, std::string* error = nullptr, int timeout_ms = 2000) {
  timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  context_ptr c(redisConnectWithTimeout(host.c_str(), port, tv));
  if (!c || c->err) {
    if (error) *error = c ? c->errstr : "cannot allocate a redis context";
    return nullptr;
  }
  return c;
}

/// Runs one command given as separate binary-safe arguments; throws
/// std::runtime_error when the connection fails (an error *reply* is returned).
inline reply_ptr command(redisContext* c, const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  std::vector<std::size_t> lens;
  for (const auto& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  reply_ptr r(static_cast<redisReply*>(redisCommandArgv(c, static_cast<int>(argv.size()), argv.data(), lens.data())));
  if (!r) throw std::runtime_error(std::string("redis connection failed: ") + c->errstr);
  return r;
}

/// Asks the kernel for a currently free TCP port on 127.0.0.1 (bind to port 0).
inline int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  int port = -1;
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
    port = ntohs(addr.sin_port);
  ::close(fd);
  return port;
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

struct server {
  pid_t pid = -1;
  int port = -1;
};

/// Starts `exe` (redis-server) on 127.0.0.1 with persistence off, working in
/// `dir` (created), output in dir/redis.log. The child gets its own session and
/// no inherited descriptors, so it survives a short-lived parent without
/// holding the parent's stdout open. A port taken between choosing it and the
/// server binding it is retried (5 attempts). Waits until PING answers.
/// Returns pid -1 and sets `error` on failure.
inline server start_server(const std::string& exe, const std::string& dir, std::string& error) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    error = "cannot create " + dir + ": " + ec.message();
    return {};
  }
  const std::string log = dir + "/redis.log";
  for (int attempt = 0; attempt < 5; ++attempt) {
    const int port = free_port();
    if (port <= 0) {
      error = "cannot find a free TCP port";
      return {};
    }
    const std::string port_s = std::to_string(port);
    const pid_t pid = ::fork();
    if (pid < 0) {
      error = std::string("fork failed: ") + std::strerror(errno);
      return {};
    }
    if (pid == 0) {
      ::setsid();
      const int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      const int in = ::open("/dev/null", O_RDONLY);
      if (out >= 0) {
        ::dup2(out, 1);
        ::dup2(out, 2);
      }
      if (in >= 0) ::dup2(in, 0);
      for (int fd = 3; fd < 1024; ++fd) ::close(fd);
      const char* argv[] = {exe.c_str(), "--port", port_s.c_str(), "--bind", "127.0.0.1", "--save", "",
                            "--appendonly", "no", "--dir", dir.c_str(), "--daemonize", "no", nullptr};
      ::execvp(exe.c_str(), const_cast<char* const*>(argv));
      std::fprintf(stderr, "cannot run %s: %s\n", exe.c_str(), std::strerror(errno));
      ::_exit(127);
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    bool exited = false;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid, &status, WNOHANG) == pid) {
        exited = true;
        break;
      }
      if (auto c = connect("127.0.0.1", port, nullptr, 200)) {
        reply_ptr r(static_cast<redisReply*>(redisCommand(c.get(), "PING")));
        if (r && r->type == REDIS_REPLY_STATUS && std::string(r->str, r->len) == "PONG") return {pid, port};
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    const std::string text = read_file(log);
    if (!exited) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
      error = "redis-server did not answer PING within 15 s; its log:\n" + text;
      return {};
    }
    error = "redis-server exited at start; its log:\n" + text;
    if (text.find("Address already in use") == std::string::npos) return {};
  }
  return {};
}

/// SHUTDOWN NOSAVE, then waits up to 5 s for the process to go, then SIGKILL.
/// `reap` when the caller is the server's parent. True when it is gone.
inline bool stop_server(const server& s, bool reap) {
  if (s.pid <= 0) return true;
  if (auto c = connect("127.0.0.1", s.port, nullptr, 1000)) {
    // The server closes the connection instead of replying: a null reply is success.
    reply_ptr r(static_cast<redisReply*>(redisCommand(c.get(), "SHUTDOWN NOSAVE")));
  }
  const auto gone = [&] {
    if (reap) return ::waitpid(s.pid, nullptr, WNOHANG) == s.pid;
    if (::kill(s.pid, 0) != 0 && errno == ESRCH) return true;
    // Not our child: once it exits it may stay a zombie until its new parent
    // reaps it, which is gone for our purposes (state 'Z' in /proc/<pid>/stat).
    const std::string stat = read_file("/proc/" + std::to_string(s.pid) + "/stat");
    const auto paren = stat.rfind(')');
    return paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] == 'Z';
  };
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < deadline) {
    if (gone()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(s.pid, SIGKILL);
  if (reap) ::waitpid(s.pid, nullptr, 0);
  return false;
}

/// The port of the fixture's server: $HASHSKETCH_REDIS_PORT, else the "port"
/// file in $HASHSKETCH_REDIS_STATE; -1 when neither is set or readable.
inline int fixture_port(std::string& where) {
  if (const char* p = std::getenv("HASHSKETCH_REDIS_PORT")) {
    where = "HASHSKETCH_REDIS_PORT";
    return std::atoi(p);
  }
  if (const char* dir = std::getenv("HASHSKETCH_REDIS_STATE")) {
    where = std::string(dir) + "/port";
    const std::string text = read_file(where);
    return text.empty() ? -1 : std::atoi(text.c_str());
  }
  where = "(neither HASHSKETCH_REDIS_PORT nor HASHSKETCH_REDIS_STATE is set)";
  return -1;
}

}  // namespace redis_support

#endif  // HASHSKETCH_TESTS_REDIS_PROCESS_HPP
