// One const RuleSet serving several threads, each in its own copy of the
// arena the rules were loaded into (ids carry over in a copy): the rule
// indexes the RuleSet builds lazily are locked, so every thread gets what a
// lone thread gets. The derivatives themselves are checked elsewhere; here the
// question is only whether sharing changes them.
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "matcalc/calculus.hpp"
#include "matcalc/parse.hpp"
#include "matcalc/print.hpp"
#include "matcalc/rules.hpp"

using namespace matcalc;

namespace {

const std::vector<std::pair<std::string, std::string>> kProblems = {
    {"x'*A*x", "x"},
    {"norm2(X*w - y)^2", "w"},
    {"log(det(X)) + tr(inv(X)*S)", "X"},
    {"-y'*log(sigmoid(X*w)) - (1 - y)'*log(1 - sigmoid(X*w))", "w"},
    {"norm2(W2*tanh(W1*x) - y)^2", "W1"},
    {"tr(A*X*B*X')", "X"},
    {"sum(exp(X*w)) + x'*inv(A + B)*x", "A"},
    {"log(sum(exp(X*w)))", "w"},
};

// The gradient of each problem as text, each in a fresh copy of `loaded`.
std::vector<std::string> gradients(const Arena& loaded, const RuleSet& rules) {
  std::vector<std::string> out;
  for (const auto& [f, wrt] : kProblems) {
    Arena arena = loaded;
    Id t = parse(arena, f);
    const Symbol* s = arena.findSymbol(wrt, 0);
    Id x = arena.symbol(s->name, s->kind, s->shape, 0);
    out.push_back(toText(arena, gradient(arena, rules, t, x).display));
  }
  return out;
}

TEST(Concurrency, ThreadsSharingOneRuleSetGetWhatOneThreadGets) {
  Arena alone;
  RuleSet aloneRules = RuleSet::standard(alone);
  std::vector<std::string> expected = gradients(alone, aloneRules);

  // A second RuleSet whose indexes are all built while the threads run.
  Arena loaded;
  const RuleSet rules = RuleSet::standard(loaded);
  constexpr int kThreads = 4, kRounds = 5;
  std::vector<std::vector<std::string>> got(kThreads * kRounds);
  std::vector<std::string> errors(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i)
    threads.emplace_back([&, i] {
      try {
        for (int r = 0; r < kRounds; ++r) got[i * kRounds + r] = gradients(loaded, rules);
      } catch (const std::exception& e) {
        errors[i] = e.what();
      }
    });
  for (std::thread& t : threads) t.join();
  for (int i = 0; i < kThreads; ++i) EXPECT_EQ(errors[i], "") << "thread " << i;
  for (const auto& g : got) EXPECT_EQ(g, expected);
}

TEST(Concurrency, ACopiedRuleSetOutlivesItsOriginal) {
  Arena arena;
  std::vector<std::string> before, after;
  RuleSet copy;
  {
    RuleSet original = RuleSet::standard(arena);
    before = gradients(arena, original);  // builds the original's indexes
    copy = original;
  }  // the original's rules are gone: the copy must not use its indexes
  after = gradients(arena, copy);
  EXPECT_EQ(after, before);
}

}  // namespace
