// Every rule in rules/ is its own RapidCheck property and its own GoogleTest
// test (Rule.<name>), so a failure names the rule. The seed is fixed by
// RC_PARAMS in CTest; RapidCheck prints how to reproduce a failure.
#include <gtest/gtest.h>

#include <algorithm>

#include "matcalc/print.hpp"
#include "matcalc/rules.hpp"
#include "rapidcheck_source.hpp"

namespace matcalc {
namespace {

Arena& arena() {
  static Arena a;
  return a;
}

class RuleProperty : public ::testing::Test {
 public:
  explicit RuleProperty(const Rule& rule) : rule_(rule) {}
  void TestBody() override {
    const Identity id = identityOf(rule_);
    bool ok = rc::check(rule_.name + " [" + rule_.location() + "]", [&] {
      testing::RapidCheckSource source;
      TrialResult t = checkOnce(arena(), id, source);
      RC_PRE(t.outcome != TrialResult::Outcome::NoSample);
      if (t.outcome != TrialResult::Outcome::Equal) RC_FAIL(std::string(methodName(t.method)) + ": " + t.detail);
    });
    EXPECT_TRUE(ok) << "rule " << rule_.name << " (" << rule_.location() << "): " << toText(arena(), rule_.lhs)
                    << " = " << toText(arena(), rule_.rhs) << " does not hold";
  }

 private:
  const Rule& rule_;
};

}  // namespace
}  // namespace matcalc

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  static matcalc::RuleSet rules;
  try {
    rules.loadDirectory(matcalc::arena(), MATCALC_RULES_DIR);
  } catch (const matcalc::Error& e) {
    std::cerr << "cannot load the catalog: " << e.what() << "\n";
    return 1;
  }
  for (const matcalc::Rule& r : rules.rules()) {
    // GoogleTest filters read '-' as "exclude", so Rule.diff-inverse would
    // select nothing: the test is Rule.diff_inverse.
    std::string testName = r.name;
    std::replace(testName.begin(), testName.end(), '-', '_');
    ::testing::RegisterTest("Rule", testName.c_str(), nullptr, nullptr, r.file.c_str(), r.line,
                            [&r]() -> ::testing::Test* { return new matcalc::RuleProperty(r); });
  }
  return RUN_ALL_TESTS();
}
