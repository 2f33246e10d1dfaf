// tests/fuzz/json_fuzz.cc: libFuzzer target for the JSON decoder and encoder.
//
//   make fuzz && build/fuzz/json_fuzz tests/fuzz/corpus/json -max_total_time=600
//
// Whatever the input, decode either returns a value or throws json::DecodeError with an
// offset inside the input, nothing else. A decoded value must survive the round trip: its
// encoding decodes to an equal value (NaN cannot occur: the decoder makes none), in both
// the ASCII-only and the raw UTF-8 forms.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "tornado/http/json.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  tornado::json::Value v;
  try {
    v = tornado::json::decode(in, 64);
  } catch (const tornado::json::DecodeError& e) {
    if (e.offset() > size) std::abort();
    return 0;
  }
  tornado::json::EncodeOptions raw;
  raw.ensure_ascii = false;
  for (const auto& options : {tornado::json::EncodeOptions{}, raw}) {
    const std::string text = tornado::json::encode(v, options);
    if (!(tornado::json::decode(text, 64) == v)) std::abort();
  }
  return 0;
}
