// TextArena: keeps copies of texts in a few large blocks, for views that live as long as the arena.
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

namespace auditsync {

// A page of records keeps each record's raw auditData here rather than in a string of its own:
// one allocation per block instead of one per record (about 1.7 KB each, too large for the
// allocator's fast path), and one release per block when the page goes. Texts never move, so
// views stay valid for the arena's life, including after the arena itself is moved.
class TextArena {
 public:
  TextArena() = default;
  // A moved-from arena is empty and usable; the texts it kept now belong to the other one.
  TextArena(TextArena&& other) noexcept;
  TextArena& operator=(TextArena&& other) noexcept;
  TextArena(const TextArena&) = delete;
  TextArena& operator=(const TextArena&) = delete;

  // A copy of `text`, valid as long as this arena.
  std::string_view Keep(std::string_view text);

  // Takes over the texts of `other` (left empty): views into them now live as long as this arena.
  void Adopt(TextArena&& other);

 private:
  std::vector<std::unique_ptr<char[]>> blocks_;
  size_t used_ = 0;      // bytes used of the last block
  size_t capacity_ = 0;  // size of the last block
};

}  // namespace auditsync
