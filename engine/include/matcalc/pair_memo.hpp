// A memo of a relation between two terms (their order, whether one contains
// the other), kept by the arena across passes. Open addressing in one
// vector: sorting deep terms fills it with many pairs, and std::unordered_map
// spent its time allocating, rehashing and freeing one node per pair.
#pragma once
#include <cstdint>
#include <vector>

namespace matcalc {

class PairMemo {
 public:
  static constexpr std::int8_t kAbsent = -128;

  // The value kept for (a, b), or kAbsent.
  std::int8_t get(std::uint32_t a, std::uint32_t b) const {
    if (slots_.empty()) return kAbsent;
    std::uint64_t key = pack(a, b);
    std::size_t mask = slots_.size() - 1;
    for (std::size_t i = hash(key) & mask;; i = (i + 1) & mask) {
      if (slots_[i].key == key) return slots_[i].value;
      if (slots_[i].key == kEmpty) return kAbsent;
    }
  }

  void set(std::uint32_t a, std::uint32_t b, std::int8_t value) {
    if (2 * (size_ + 1) > slots_.size()) grow();
    put(pack(a, b), value);
  }

 private:
  struct Slot {
    std::uint64_t key;
    std::int8_t value;
  };
  static constexpr std::uint64_t kEmpty = ~std::uint64_t{0};  // the pair (kNoId, kNoId), never asked
  static std::uint64_t pack(std::uint32_t a, std::uint32_t b) { return (std::uint64_t{a} << 32) | b; }
  // MurmurHash3's finalizer: both halves of the key reach the low bits.
  static std::size_t hash(std::uint64_t key) {
    key ^= key >> 33;
    key *= 0xff51afd7ed558ccdull;
    key ^= key >> 33;
    key *= 0xc4ceb9fe1a85ec53ull;
    return static_cast<std::size_t>(key ^ (key >> 33));
  }

  void put(std::uint64_t key, std::int8_t value) {
    std::size_t mask = slots_.size() - 1;
    for (std::size_t i = hash(key) & mask;; i = (i + 1) & mask) {
      if (slots_[i].key == key) {
        slots_[i].value = value;
        return;
      }
      if (slots_[i].key == kEmpty) {
        slots_[i] = {key, value};
        ++size_;
        return;
      }
    }
  }
  void grow() {
    std::vector<Slot> old(slots_.empty() ? 64 : slots_.size() * 2, Slot{kEmpty, 0});
    old.swap(slots_);
    size_ = 0;
    for (const Slot& s : old)
      if (s.key != kEmpty) put(s.key, s.value);
  }

  std::vector<Slot> slots_;  // a power of 2 long, at most half full
  std::size_t size_ = 0;
};

}  // namespace matcalc
