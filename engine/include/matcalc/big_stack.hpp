// Runs a function on a thread with a large stack. The engine's recursion is
// bounded by its limits (terms 1500 deep, parser nesting 2000, rewriting
// 8000 levels) but not by the default 8 MB stack in every build: frames are
// several times larger under AddressSanitizer. The CLI and the fuzz targets
// run their work here; the stack is reserved, not committed.
#pragma once
#include <pthread.h>

#include <exception>
#include <stdexcept>
#include <utility>

namespace matcalc {

template <class F>
auto onBigStack(F&& f, std::size_t bytes = std::size_t(1) << 30) -> decltype(f()) {
  using R = decltype(f());
  struct Call {
    F* f;
    R result{};
    std::exception_ptr error;
    static void* run(void* p) {
      auto* c = static_cast<Call*>(p);
      try {
        c->result = (*c->f)();
      } catch (...) {
        c->error = std::current_exception();
      }
      return nullptr;
    }
  } call{&f, {}, {}};
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, bytes);
  pthread_t thread;
  int failed = pthread_create(&thread, &attr, &Call::run, &call);
  pthread_attr_destroy(&attr);
  if (failed) return f();  // no thread: run here
  pthread_join(thread, nullptr);
  if (call.error) std::rethrow_exception(call.error);
  return std::move(call.result);
}

}  // namespace matcalc
