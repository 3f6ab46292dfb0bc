#ifndef HASHSKETCH_TOOLS_PARALLEL_SCAN_HPP
#define HASHSKETCH_TOOLS_PARALLEL_SCAN_HPP

// The scanner on several threads: the calling thread reads chunks of whole
// lines (1 MiB, cut after the last newline) and worker threads scan them,
// each with its own sink. Why: reading (the kernel's copy) and scanning +
// hashing then overlap, and the scanning itself is split — for `count` each
// worker fills its own sketch and the sketches are merged at the end, which
// the library guarantees is exact (the union of register-wise maxima), so the
// result is byte-identical to the one-thread scan. `sample` keeps its output
// in input order: a worker hands its chunk's selected lines to an
// ordered_writer that writes chunks strictly by sequence number.
//
// Memory stays constant: threads + 2 chunk buffers in flight.

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "scanner.hpp"

namespace hashsketch_cli {

/// Writes chunk outputs to fd 1 in sequence order, whichever thread finishes first.
class ordered_writer {
 public:
  void write(std::uint64_t seq, const std::vector<char>& data, std::size_t size) {
    std::unique_lock<std::mutex> lock(m_);
    cv_.wait(lock, [&] { return next_ == seq || aborted_; });
    if (aborted_) return;
    try {
      write_all(1, data.data(), size, "standard output");
    } catch (...) {
      aborted_ = true;
      cv_.notify_all();
      throw;
    }
    ++next_;
    cv_.notify_all();
  }
  void abort() {
    std::lock_guard<std::mutex> lock(m_);
    aborted_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  std::uint64_t next_ = 0;
  bool aborted_ = false;
};

namespace detail_scan {

struct chunk {
  std::vector<char> storage;  // data + scan_padding
  std::size_t size = 0;
  std::uint64_t seq = 0;
  bool ends_with_newline = true;  // false: the last line has no newline (end of a file)
};

/// A bounded blocking queue of chunk pointers.
class chunk_queue {
 public:
  void push(chunk* c) {
    {
      std::lock_guard<std::mutex> lock(m_);
      q_.push_back(c);
    }
    cv_.notify_one();
  }
  /// nullptr once closed and empty.
  chunk* pop() {
    std::unique_lock<std::mutex> lock(m_);
    cv_.wait(lock, [&] { return !q_.empty() || closed_; });
    if (q_.empty()) return nullptr;
    chunk* c = q_.front();
    q_.pop_front();
    return c;
  }
  void close() {
    {
      std::lock_guard<std::mutex> lock(m_);
      closed_ = true;
    }
    cv_.notify_all();
  }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  std::deque<chunk*> q_;
  bool closed_ = false;
};

}  // namespace detail_scan

/// Threads for scanning by default: the CPUs available, at most 4 (beyond
/// that the kernel's copy into the buffers is the limit).
inline unsigned default_scan_threads() {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1u : (n > 4u ? 4u : n);
}

/// Scans every input like scan_inputs, with `threads` workers. sinks[i] is
/// worker i's sink; each sink must also have end_chunk(seq) (called after a
/// chunk's lines, in whatever order chunks finish). Totals are summed.
template <class Sink>
void scan_inputs_parallel(const std::vector<std::string>& paths, const scan_config& cfg,
                          std::vector<std::unique_ptr<Sink>>& sinks, scan_totals& totals,
                          ordered_writer* writer = nullptr) {
  using detail_scan::chunk;
  constexpr std::size_t chunk_bytes = std::size_t{1} << 20;
  const std::size_t workers = sinks.size();
  std::vector<chunk> chunks(workers + 2);
  detail_scan::chunk_queue free_chunks, full_chunks;
  for (chunk& c : chunks) {
    c.storage.resize(chunk_bytes + scan_padding);
    free_chunks.push(&c);
  }
  std::vector<scan_totals> worker_totals(workers);
  std::mutex error_mutex;
  std::exception_ptr error;
  auto fail = [&](std::exception_ptr e) {
    std::lock_guard<std::mutex> lock(error_mutex);
    if (!error) error = e;
  };

  std::vector<std::thread> threads;
  for (std::size_t w = 0; w < workers; ++w) {
    threads.emplace_back([&, w] {
      Sink& sink = *sinks[w];
      scan_totals& t = worker_totals[w];
      auto handle = [&](const char* b, const char* content_end, const char* raw_end) {
        ++t.lines;
        if (content_end > b && content_end[-1] == '\r') --content_end;
        const char* kb = b;
        const char* ke = content_end;
        if (cfg.field == 0 || find_field(b, content_end, cfg.field, cfg.delimiter, kb, ke)) {
          sink.line(b, raw_end, kb, ke);
        } else {
          ++t.missing_field_lines;
          sink.missing(b, raw_end);
        }
      };
      while (chunk* c = full_chunks.pop()) {
        try {
          const char* begin = c->storage.data();
          const char* end = begin + c->size;
          const char* rest = scan_complete_lines(begin, end, cfg, sink, t, handle);
          if (rest != end) handle(rest, end, end);  // a file's last line without newline
          sink.end_chunk(c->seq);
        } catch (...) {
          fail(std::current_exception());
          if (writer) writer->abort();
        }
        free_chunks.push(c);
      }
    });
  }

  // The reader: whole lines into each chunk; the partial last line moves to
  // the front of the next chunk of the same file.
  std::vector<char> carry;
  std::uint64_t seq = 0;
  try {
    progress_meter progress(paths, cfg.quiet);
    for (const std::string& path : paths) {
      input_file in(path);
      carry.clear();
      bool eof = false;
      while (!eof) {
        chunk* c = free_chunks.pop();
        {
          std::lock_guard<std::mutex> lock(error_mutex);
          if (error) {
            free_chunks.push(c);
            break;
          }
        }
        if (c->storage.size() < carry.size() + scan_padding + 1) c->storage.resize(carry.size() * 2 + scan_padding);
        if (!carry.empty()) std::memcpy(c->storage.data(), carry.data(), carry.size());
        std::size_t size = carry.size();
        carry.clear();
        std::size_t capacity = c->storage.size() - scan_padding;
        const char* last_newline = nullptr;
        for (;;) {
          if (size == capacity) {  // a line longer than the chunk: grow it
            c->storage.resize(capacity * 2 + scan_padding);
            capacity = c->storage.size() - scan_padding;
          }
          const std::size_t n = in.read(c->storage.data() + size, capacity - size);
          totals.bytes += n;
          if (n == 0) {
            eof = true;
            break;
          }
          const std::size_t before = size;
          size += n;
          const void* nl = memrchr_portable(c->storage.data() + before, '\n', n);
          if (nl) last_newline = static_cast<const char*>(nl);
          if (last_newline && size == capacity) break;  // full, with at least one whole line
        }
        progress.update(totals.bytes);
        std::size_t whole = eof ? size : static_cast<std::size_t>(last_newline + 1 - c->storage.data());
        if (!eof) carry.assign(c->storage.data() + whole, c->storage.data() + size);
        if (whole == 0) {
          free_chunks.push(c);
          continue;
        }
        c->size = whole;
        c->seq = seq++;
        full_chunks.push(c);
      }
    }
    progress.finish();
  } catch (...) {
    fail(std::current_exception());
    if (writer) writer->abort();
  }
  full_chunks.close();
  for (std::thread& t : threads) t.join();
  if (error) std::rethrow_exception(error);
  for (const scan_totals& t : worker_totals) {
    totals.lines += t.lines;
    totals.missing_field_lines += t.missing_field_lines;
  }
}

}  // namespace hashsketch_cli

#endif  // HASHSKETCH_TOOLS_PARALLEL_SCAN_HPP
