// demos/template_render.cc: render one template from the shell, to try the language.
//
//   build/demos/template_render --template_path=DIR NAME < values.json
//   echo '{"items": ["a", "<b>"]}' | build/demos/template_render --template_path=t list.html
//
// NAME is loaded from DIR (so {% extends %} and {% include %} resolve there, as Tornado's
// Loader(DIR).load(NAME)) and rendered with the JSON object read from stdin as its variables
// (objects are dicts, arrays lists; empty input is no variables). The bytes go to stdout and
// it exits 0. A syntax or rendering error prints "NAME:LINE: message" on stderr and exits 1
// (2 for bad usage or input that is not a JSON object).
#include <unistd.h>

#include <cstdio>
#include <string>

#include "tornado/http/json.h"
#include "tornado/reactor/options.h"
#include "tornado/web/template.h"

namespace {

std::string read_stdin() {
  std::string in;
  char buf[16384];
  ssize_t n;
  while ((n = ::read(0, buf, sizeof buf)) > 0) in.append(buf, static_cast<std::size_t>(n));
  return in;
}

}  // namespace

int main(int argc, char** argv) {
  namespace options = tornado::options;
  options::define<std::string>("template_path", ".", "the folder templates are loaded from");
  std::vector<std::string> names;
  try {
    names = options::parse_command_line(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 2;
  }
  if (names.size() != 1) {
    std::fprintf(stderr, "usage: %s --template_path=DIR NAME < values.json\n", argv[0]);
    return 2;
  }
  tornado::web::Namespace values;
  try {
    const std::string in = read_stdin();
    if (in.find_first_not_of(" \t\r\n") != std::string::npos) {
      tornado::json::Value v = tornado::json::decode(in);
      if (!v.is_object()) throw std::invalid_argument("the values must be a JSON object");
      values = tornado::web::Namespace(std::move(v.as_object()));
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "stdin: %s\n", e.what());
    return 2;
  }
  try {
    tornado::web::Loader loader(options::get<std::string>("template_path"));
    const std::string out = loader.load(names[0])->generate(values);
    std::fwrite(out.data(), 1, out.size(), stdout);
  } catch (const tornado::web::TemplateError& e) {
    std::fprintf(stderr, "%s:%d: %s\n", e.filename().c_str(), e.lineno(), e.message().c_str());
    return 1;
  }
  return 0;
}
