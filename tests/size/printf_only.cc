// tests/size/printf_only.cc: the baseline of tests/check_size.sh, a C++ program that only calls
// printf. Built and linked with the same flags as the static demos, it is what any static C++
// program costs (the C runtime, stdio, malloc); what helloworld weighs beyond it is the
// library's share.
#include <cstdio>

int main() {
  std::printf("hello, world\n");
  return 0;
}
