// tests/size/runtime_only.cc: what the library asks of the C and C++ runtimes, without the
// library: C++ exceptions, a thread and strtod. Names are looked up by the library's own
// resolver (stream/netutil_dns*.cc), not getaddrinfo, unless a program names ThreadedResolver.
// Local time is the library's own (reactor/localtime.cc), not localtime_r, whose
// tzset would link sscanf and every strto*; so are regexes (stream/regex.h), not regcomp.
// tests/check_size.sh prints how much of helloworld's share this alone costs in a static glibc
// program, to tell the library's own code from the runtime it calls.
#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <thread>

// As the library does (reactor/log.cc): a terminate handler that does not link the demangler.
namespace __gnu_cxx {
void __verbose_terminate_handler() { std::abort(); }
}  // namespace __gnu_cxx

int main(int argc, char** argv) {
  try {
    if (argc > 5) throw std::runtime_error(std::string("too many: ") + argv[1]);
  } catch (const std::exception& e) {
    std::printf("%s\n", e.what());
  }
  std::thread worker([] { std::puts("worker"); });
  worker.join();
  std::printf("%ld %g\n", static_cast<long>(time(nullptr)), std::strtod(argv[0], nullptr));
  return 0;
}
