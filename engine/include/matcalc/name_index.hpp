// The arena's index of names (a dimension's, a symbol's within its scope) to
// the position of what they name. Open addressing over (hash, position)
// pairs: no allocation per entry, unlike a std::unordered_map of strings;
// restoring the standard rules adds about 2000 names.
#pragma once
#include <algorithm>
#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

namespace matcalc {

class NameIndex {
 public:
  static constexpr std::uint32_t kNone = 0xFFFFFFFFu;

  // 32 bits are enough: they pick the slot and, among the few compared, filter before same().
  static std::uint32_t hash(std::string_view name, std::uint32_t scope = 0) {
    std::uint64_t h = std::hash<std::string_view>{}(name) ^ (std::uint64_t{scope} * 0x9E3779B97F4A7C15ull);
    h ^= h >> 33;  // MurmurHash3's finaliser
    h *= 0xFF51AFD7ED558CCDull;
    h ^= h >> 33;
    return static_cast<std::uint32_t>(h);
  }

  // The position p indexed under h for which same(p) holds, or kNone.
  template <class Same>
  std::uint32_t find(std::uint32_t h, Same same) const {
    if (slots_.empty()) return kNone;
    std::size_t mask = slots_.size() - 1;
    for (std::size_t i = h & mask;; i = (i + 1) & mask) {
      const Slot& s = slots_[i];
      if (s.position == kNone) return kNone;
      if (s.hash == h && same(s.position)) return s.position;
    }
  }

  // Indexes a position under h; its name must not be indexed yet.
  void insert(std::uint32_t h, std::uint32_t position) {
    if (2 * (size_ + 1) > slots_.size()) grow();
    place({h, position});
    ++size_;
  }

 private:
  struct Slot {
    std::uint32_t hash = 0, position = kNone;
  };
  void place(Slot s) {
    std::size_t mask = slots_.size() - 1;
    std::size_t i = s.hash & mask;
    while (slots_[i].position != kNone) i = (i + 1) & mask;
    slots_[i] = s;
  }
  void grow() {
    std::vector<Slot> old(std::max<std::size_t>(64, slots_.size() * 2));
    old.swap(slots_);
    for (const Slot& s : old)
      if (s.position != kNone) place(s);
  }
  std::vector<Slot> slots_;
  std::size_t size_ = 0;
};

}  // namespace matcalc
