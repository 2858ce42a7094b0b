// Every gradient of the identity catalog (identities/*.yaml, "grad F wrt X =
// G"): per iteration, parse F and take its gradient, for all of them.
//
// One benchmark times the whole set, and each problem is also timed on its
// own with a thread-CPU clock inside the iteration; the counter median_us is
// the median over problems of each problem's median over iterations. (The
// alternative, one registered benchmark per entry plus a script for the
// median, needs the catalog loaded at registration time; this keeps it in one
// place.) The iteration's time is the sum of the per-problem times
// (UseManualTime), so the untimed arena copies between problems do not count.
//
// Catalog entries live in their own scopes, so F is parsed again from the
// statement's text as a user's expression, with the entry's `where` guards
// passed as assumptions, each problem in a fresh copy of the loaded arena.
#include <time.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "harness.hpp"
#include "matcalc/calculus.hpp"
#include "matcalc/catalog.hpp"
#include "matcalc/parse.hpp"

#ifndef MATCALC_IDENTITIES_DIR
#error "MATCALC_IDENTITIES_DIR must name the identity catalog's directory"
#endif

namespace {

// CPU time of the calling thread, as a std::chrono clock: it matches the CPU
// column of the other benchmarks, and other work on the machine does not count.
struct ThreadCpuClock {
  using duration = std::chrono::nanoseconds;
  using rep = duration::rep;
  using period = duration::period;
  using time_point = std::chrono::time_point<ThreadCpuClock>;
  static constexpr bool is_steady = true;
  static time_point now() {
    timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return time_point(duration(std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec));
  }
};

struct Problem {
  std::string name, f, wrt;
  std::vector<std::string> assume;  // "spd(S)" …
};

// The gradient entries of the catalog, as text.
std::vector<Problem> problems(std::string& error) {
  std::vector<Problem> out;
  try {
    matcalc::Arena arena;
    matcalc::Catalog catalog;
    catalog.loadDirectory(arena, MATCALC_IDENTITIES_DIR);
    for (const matcalc::CatalogEntry& e : catalog.entries()) {
      if (e.form != matcalc::CatalogEntry::Form::Gradient) continue;
      auto from = e.statement.find("grad "), to = e.statement.find(" wrt ");
      if (from == std::string::npos || to == std::string::npos) continue;
      Problem p{e.name, e.statement.substr(from + 5, to - from - 5), arena.symbolOf(e.wrt).name, {}};
      for (const matcalc::GuardUse& g : e.where)
        p.assume.push_back(std::string(matcalc::guardName(g.guard)) + "(" + arena.symbolOf(g.variable).name + ")");
      out.push_back(std::move(p));
    }
  } catch (const std::exception& e) {
    error = std::string("loading the identity catalog: ") + e.what();
  }
  return out;
}

// Parses the problem in `arena` (as the CLI's grad --assume does) and takes the gradient.
matcalc::Id solve(matcalc::Arena& arena, const Problem& p) {
  matcalc::ParseSession session(arena);
  session.add(p.f);
  auto guards = matcalc::constrainGuards(session, p.assume);
  matcalc::Id f = session.finish()[0];
  std::vector<matcalc::GuardUse> facts = matcalc::resolveGuards(arena, 0, guards);
  const matcalc::Symbol* s = arena.findSymbol(p.wrt, 0);
  if (!s) throw std::invalid_argument("'" + p.wrt + "' does not occur in " + p.f);
  matcalc::Id x = arena.symbol(s->name, s->kind, s->shape, 0);
  return matcalc::gradient(arena, bench::loaded().rules, f, x, facts).display;
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void BM_GradIdentityCatalog(benchmark::State& state) {
  std::string error = bench::loaded().error;
  static const std::vector<Problem> all = problems(error);
  if (!error.empty()) {
    state.SkipWithError(error.c_str());
    return;
  }
  std::vector<std::vector<double>> seconds(all.size());  // per problem, per iteration
  std::size_t failed = 0;
  std::optional<matcalc::Arena> arena;
  for (auto _ : state) {
    double total = 0;
    failed = 0;
    for (std::size_t i = 0; i < all.size(); ++i) {
      bench::freshCopy(arena);  // untimed: outside the clock readings
      auto start = ThreadCpuClock::now();
      // An entry the engine cannot do counts with the time until it gave up.
      try {
        benchmark::DoNotOptimize(solve(*arena, all[i]));
      } catch (const std::exception&) {
        ++failed;
      }
      double t = std::chrono::duration<double>(ThreadCpuClock::now() - start).count();
      seconds[i].push_back(t);
      total += t;
    }
    state.SetIterationTime(total);
  }
  std::vector<double> medians;
  for (const auto& s : seconds) medians.push_back(median(s));
  state.counters["problems"] = static_cast<double>(all.size());
  state.counters["failed"] = static_cast<double>(failed);
  state.counters["median_us"] = median(medians) * 1e6;
  state.counters["max_us"] = medians.empty() ? 0 : *std::max_element(medians.begin(), medians.end()) * 1e6;
}
BENCHMARK(BM_GradIdentityCatalog)->UseManualTime()->Unit(benchmark::kMillisecond);

}  // namespace
