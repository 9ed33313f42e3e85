#include "record/text_arena.hpp"

#include <algorithm>
#include <cstring>
#include <iterator>
#include <utility>

namespace auditsync {
namespace {

// Blocks start small (a Management API delivery may hold a few records) and double up to about
// 150 records' raw auditData: a Graph page of 1000 records takes 10 blocks.
constexpr size_t kFirstBlockSize = 16 * 1024;
constexpr size_t kLargestBlockSize = 256 * 1024;

}  // namespace

TextArena::TextArena(TextArena&& other) noexcept
    : blocks_(std::move(other.blocks_)),
      used_(std::exchange(other.used_, 0)),
      capacity_(std::exchange(other.capacity_, 0)) {
  other.blocks_.clear();
}

TextArena& TextArena::operator=(TextArena&& other) noexcept {
  if (this != &other) {
    blocks_ = std::move(other.blocks_);
    other.blocks_.clear();
    used_ = std::exchange(other.used_, 0);
    capacity_ = std::exchange(other.capacity_, 0);
  }
  return *this;
}

void TextArena::Adopt(TextArena&& other) {
  if (blocks_.empty()) {
    *this = std::move(other);
    return;
  }
  // Before the last block, which stays the one Keep fills.
  blocks_.insert(blocks_.end() - 1, std::make_move_iterator(other.blocks_.begin()),
                 std::make_move_iterator(other.blocks_.end()));
  other = TextArena();
}

std::string_view TextArena::Keep(std::string_view text) {
  if (text.empty()) return {};
  if (capacity_ - used_ < text.size()) {
    const size_t next = std::clamp(capacity_ * 2, kFirstBlockSize, kLargestBlockSize);
    capacity_ = std::max(next, text.size());
    blocks_.push_back(std::make_unique_for_overwrite<char[]>(capacity_));
    used_ = 0;
  }
  char* copy = blocks_.back().get() + used_;
  std::memcpy(copy, text.data(), text.size());
  used_ += text.size();
  return {copy, text.size()};
}

}  // namespace auditsync
