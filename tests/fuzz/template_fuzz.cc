// tests/fuzz/template_fuzz.cc: libFuzzer target for the template parser and renderer.
//
//   make fuzz && build/fuzz/template_fuzz tests/fuzz/corpus/template -max_total_time=60
//
// Whatever the source, building a Template either succeeds or throws ParseError with a line
// inside the source, nothing else; a template that builds renders (with a few values) to a
// string or throws TemplateError. Loops are left out of the render ({% while %} may run
// forever, as in Tornado), so only sources without "while" are rendered.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "tornado/web/template.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  std::size_t lines = 1;
  for (char c : in) lines += c == '\n';
  tornado::web::DictLoader loader({{"inc.html", "[{{ x }}]{% block b %}ib{% end %}"},
                                   {"base.html", "<{% block b %}{% end %}>"}});
  try {
    tornado::web::Template t(in, "fuzz.html", &loader);
    if (in.find("while") != std::string_view::npos) return 0;
    tornado::web::Namespace values{{"x", 1},
                                   {"s", "<a&b>"},
                                   {"l", tornado::json::Array{1, "two", 3.5}},
                                   {"d", tornado::json::Object{{"k", "v"}}}};
    try {
      (void)t.generate(values);
    } catch (const tornado::web::TemplateError&) {
    }
  } catch (const tornado::web::ParseError& e) {
    if (e.filename() == "fuzz.html" &&
        (e.lineno() < 0 || static_cast<std::size_t>(e.lineno()) > lines)) {
      std::abort();
    }
  }
  return 0;
}
