// tests/fuzz/chunked_fuzz.cc: libFuzzer target for the chunked-body decoder.
//
//   make fuzz && build/fuzz/chunked_fuzz tests/fuzz/corpus/chunked -max_total_time=600
//
// Decodes the bytes twice, whole and in pieces whose sizes the first input byte picks, and
// checks what must hold whatever the input: each step consumes at least one byte and no more
// than it was given, the data it returns lies inside its input, the chunk sizes declared
// never add up to less than the bytes delivered, and both runs agree on the body, on where it
// ended and on whether it was malformed (HTTPInputError, nothing else).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "tornado/http/http1connection.h"

namespace {

struct Outcome {
  bool error = false;
  bool done = false;
  std::string body;
  std::size_t used = 0;
};

Outcome decode(std::string_view in, std::size_t piece) {
  tornado::http1connection::ChunkedDecoder d(256);
  Outcome o;
  try {
    while (!in.empty() && !d.done()) {
      const std::string_view p = in.substr(0, piece);
      const auto step = d.feed(p);
      if (step.consumed == 0 || step.consumed > p.size()) std::abort();
      if (!step.data.empty() && (step.data.data() < p.data() ||
                                 step.data.data() + step.data.size() > p.data() + p.size()))
        std::abort();
      o.body.append(step.data);
      o.used += step.consumed;
      in.remove_prefix(step.consumed);
    }
  } catch (const tornado::HTTPInputError&) {
    o.error = true;
  }
  o.done = d.done();
  if (d.body_size() != o.body.size()) std::abort();
  // The limit is checked against declared_size: it must never trail what was delivered.
  if (d.declared_size() < d.body_size()) std::abort();
  return o;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t piece = 1 + data[0] % 17;
  const std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);
  const Outcome whole = decode(in, in.size() ? in.size() : 1);
  const Outcome split = decode(in, piece);
  if (whole.error != split.error || whole.done != split.done) std::abort();
  if (!whole.error && (whole.body != split.body || whole.used != split.used)) std::abort();
  return 0;
}
