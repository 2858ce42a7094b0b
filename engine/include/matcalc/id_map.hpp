// A small open-addressing map from ids to ids, for the per-pass memo tables
// of rewriting and presentation: most passes touch tens of nodes, where
// std::unordered_map spends its time allocating.
#pragma once
#include <boost/container/small_vector.hpp>
#include <cstdint>

#include "matcalc/term.hpp"

namespace matcalc {

class IdMap {
 public:
  IdMap() : slots_(kInline, {kNoId, kNoId}) {}  // inline: no allocation until it grows

  // The value for key, or kNoId.
  Id get(Id key) const {
    std::size_t mask = slots_.size() - 1;
    for (std::size_t i = hash(key) & mask;; i = (i + 1) & mask) {
      if (slots_[i].first == key) return slots_[i].second;
      if (slots_[i].first == kNoId) return kNoId;
    }
  }
  bool contains(Id key) const { return get(key) != kNoId; }

  void set(Id key, Id value) {
    if (2 * (size_ + 1) > slots_.size()) grow();
    std::size_t mask = slots_.size() - 1;
    for (std::size_t i = hash(key) & mask;; i = (i + 1) & mask) {
      if (slots_[i].first == key) {
        slots_[i].second = value;
        return;
      }
      if (slots_[i].first == kNoId) {
        slots_[i] = {key, value};
        ++size_;
        return;
      }
    }
  }
  std::size_t size() const { return size_; }

 private:
  static std::size_t hash(Id key) { return static_cast<std::size_t>(key) * 0x9E3779B97F4A7C15ull >> 20; }
  void grow() {
    Slots old(slots_.size() * 2, {kNoId, kNoId});
    old.swap(slots_);
    size_ = 0;
    for (auto [k, v] : old)
      if (k != kNoId) set(k, v);
  }
  static constexpr std::size_t kInline = 64;  // a typical pass's nodes fit
  using Slots = boost::container::small_vector<std::pair<Id, Id>, kInline>;
  Slots slots_;
  std::size_t size_ = 0;
};

}  // namespace matcalc
