// Every gradient in identities/ is its own test (Gradient.<name>): the
// engine's gradient must agree with the exact directional derivative (dual
// numbers) at random points, and with the catalog's stated gradient. An
// entry the engine cannot derive yet is reported as skipped, with the reason;
// GradientCoverage fails if too many are.
#include <gtest/gtest.h>

#include <algorithm>

#include "matcalc/catalog.hpp"
#include "matcalc/print.hpp"

namespace matcalc {
namespace {

struct Fixture {
  Arena arena;
  RuleSet rules;
  Catalog catalog;
  Fixture() {
    rules.loadDirectory(arena, MATCALC_RULES_DIR);
    catalog.loadDirectory(arena, MATCALC_IDENTITIES_DIR);
  }
};
Fixture& fixture() {
  static Fixture f;
  return f;
}

enum class Outcome { Reproduced, Gap };
Outcome derive(const CatalogEntry& e, std::string& message) {
  Fixture& f = fixture();
  Arena& a = f.arena;
  GradientResult g;
  try {
    g = gradient(a, f.rules, e.lhs, e.wrt);
  } catch (const Error& err) {
    if (err.category() != Error::Category::Unsupported && err.category() != Error::Category::Budget) throw;
    message = err.what();
    return Outcome::Gap;
  }
  NumericCheck exact = checkGradient(a, e.lhs, e.wrt, g.gradient, 10, 3);
  EXPECT_GE(exact.points, 5) << e.name << ": too few points where the function is defined";
  EXPECT_LE(exact.maxError, kGradientTolerance)
      << e.name << ": the engine's gradient " << toText(a, g.display) << " disagrees with the directional derivative: " << exact.worst;
  // Equal to the catalog's G wherever the entry's guards hold (symmetric W …).
  CheckSummary stated = check(a, Identity{g.gradient, e.rhs, e.where}, 20, 5);
  EXPECT_TRUE(stated.ok) << e.name << ": the engine's gradient " << toText(a, g.display) << " differs from the catalog's "
                         << toText(a, e.rhs) << ": " << stated.detail;
  return Outcome::Reproduced;
}

class GradientEntry : public ::testing::Test {
 public:
  explicit GradientEntry(const CatalogEntry& e) : e_(e) {}
  void TestBody() override {
    std::string why;
    if (derive(e_, why) == Outcome::Gap) GTEST_SKIP() << e_.name << " (" << e_.location() << "): not derived yet: " << why;
  }

 private:
  const CatalogEntry& e_;
};

TEST(GradientCoverage, SlidesExamplesAndAtLeastFortyMoreAreDerived) {
  int reproduced = 0, total = 0;
  std::vector<std::string> gaps;
  for (const CatalogEntry& e : fixture().catalog.entries()) {
    if (e.form != CatalogEntry::Form::Gradient) continue;
    ++total;
    std::string why;
    ::testing::Test::RecordProperty("entry", e.name);
    if (derive(e, why) == Outcome::Reproduced) ++reproduced;
    else gaps.push_back(e.name + ": " + why);
    if (e.name.rfind("slides-", 0) == 0) EXPECT_TRUE(gaps.empty() || gaps.back().rfind(e.name, 0) != 0) << "a slides example is not derived: " << gaps.back();
  }
  std::cout << reproduced << " of " << total << " catalog gradients derived\n";
  for (const std::string& g : gaps) std::cout << "  gap: " << g << "\n";
  EXPECT_GE(reproduced, 44);
}

}  // namespace
}  // namespace matcalc

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  for (const matcalc::CatalogEntry& e : matcalc::fixture().catalog.entries()) {
    if (e.form != matcalc::CatalogEntry::Form::Gradient) continue;
    std::string testName = e.name;
    std::replace(testName.begin(), testName.end(), '-', '_');  // '-' means "exclude" in gtest filters
    ::testing::RegisterTest("Gradient", testName.c_str(), nullptr, nullptr, e.file.c_str(), e.line,
                            [&e]() -> ::testing::Test* { return new matcalc::GradientEntry(e); });
  }
  return RUN_ALL_TESTS();
}
