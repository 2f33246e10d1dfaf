// tests/fuzz/request_fuzz.cc: libFuzzer target for the request- and response-head parsers.
//
//   make fuzz && build/fuzz/request_fuzz tests/fuzz/corpus/request -max_total_time=600
//
// Runs the bytes through what HTTP1Connection does with a request head: skip leading blank
// lines, find the end of the head, parse the start line and headers, decide the framing.
// Malformed input must end in HTTPInputError and nothing else; and the head's end must be
// found the same whether the bytes arrive at once or split at any point (the first input byte
// picks the split), since the connection rescans only from two bytes before new data. The
// same head is then parsed as a response, whose framing must be one thing or none.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "tornado/http/http1connection.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t split_seed = data[0];
  std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);
  using namespace tornado::http1connection;
  in.remove_prefix(leading_blank_lines(in));
  const std::size_t end = find_head_end(in);
  const std::size_t k = in.empty() ? 0 : split_seed % (in.size() + 1);
  const std::size_t early = find_head_end(in.substr(0, k));
  if (early != std::string_view::npos && early != end) std::abort();
  if (early == std::string_view::npos && find_head_end(in, k >= 2 ? k - 2 : 0) != end) std::abort();
  if (end == std::string_view::npos) return 0;
  try {
    tornado::RequestStartLine line;
    tornado::HTTPHeaders headers;
    parse_request_head(in.substr(0, end), line, headers);
    const Framing f = request_framing(line, headers, 1 << 20);
    if (f.chunked && f.content_length != 0) std::abort();
    if (f.content_length > (1 << 20)) std::abort();
  } catch (const tornado::HTTPInputError& e) {
    if (e.code() != 400 && e.code() != 413) std::abort();
  }
  // The same bytes as a response head (the client's side), after a GET and after a HEAD.
  for (const char* method : {"GET", "HEAD"}) {
    try {
      tornado::ResponseStartLine line;
      tornado::HTTPHeaders headers;
      parse_response_head(in.substr(0, end), line, headers);
      const Framing f = response_framing(method, line, headers);
      if (f.chunked + f.until_close + (f.content_length > 0) > 1) std::abort();
      if (std::string_view(method) == "HEAD" && (f.chunked || f.until_close || f.content_length))
        std::abort();
    } catch (const tornado::HTTPInputError&) {
    }
  }
  return 0;
}
