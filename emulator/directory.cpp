#include "directory.hpp"

#include <iterator>

#include "ids.hpp"

namespace emulator {
namespace {

// Streams of their own, apart from the tenant's tags, so that the directory changes no record.
constexpr std::uint64_t kTagProfile = 0x2001;

// How some ASCII names of the UPNs are written in display names.
constexpr std::pair<std::string_view, std::string_view> kDisplayForms[] = {
    {"OBrien", "O’Brien"}, {"Muller", "Müller"},   {"Ivanova", "Иванова"}, {"Tanaka", "田中"},
    {"Garcia", "García"},  {"Lopez", "López"},     {"Ines", "Inês"},       {"Chloe", "Chloé"},
    {"Sofia", "Sofía"},    {"Fatima", "Fátima"},   {"Hiroshi", "浩"},      {"Mei", "美玲"},
    {"Dubois", "Du Bois"}, {"Popescu", "Popescu"},
};

constexpr std::string_view kDepartments[] = {
    "Sales",      "R&D",        "Finance & Controlling", "Ventes – Europe", "人事部",
    "IT <Infra>", "Operations",
};
constexpr std::string_view kJobTitles[] = {
    "Account Executive", "Ingénieure logiciel", "Analyst", "Director \"Special Projects\"",
    "Técnico de campo",  "Field Technician",
};
constexpr std::pair<std::string_view, std::string_view> kPlaces[] = {
    {"Seattle", "United States"}, {"München", "Germany"},
    {"São Paulo", "Brazil"},      {"東京", "Japan"},
    {"Zürich", "Switzerland"},    {"Kraków", "Poland"},
    {"Lagos", "Nigeria"},
};

std::string DisplayForm(const std::string& name) {
  for (const auto& [ascii, display] : kDisplayForms) {
    if (name == ascii) return std::string(display);
  }
  return name;
}

template <std::size_t N>
std::string Pick(const std::string_view (&values)[N], std::uint64_t draw) {
  return std::string(values[draw % N]);
}

nlohmann::ordered_json Nullable(const std::optional<std::string>& value) {
  return value ? nlohmann::ordered_json(*value) : nlohmann::ordered_json();
}

}  // namespace

Directory::Directory(const Tenant& tenant) {
  const auto seed = tenant.config().seed;
  for (std::size_t u = 0; u < tenant.users().size(); ++u) {
    const User& user = tenant.users()[u];
    Stream draw(Hash(seed, kTagProfile, u));
    DirectoryUser entry;
    entry.id = user.id;
    entry.upn = user.upn;
    entry.given_name = DisplayForm(user.given_name);
    entry.surname = DisplayForm(user.surname);
    // One user in eight has left since: their launches stay in the audit log, Graph says 404.
    entry.deleted = draw.Below(8) == 0;
    const bool guest = !user.guest_domain.empty();
    entry.user_type = guest ? "Guest" : "Member";
    entry.display_name = entry.given_name + " " + entry.surname;
    if (guest) {
      // Invited guests usually carry only what their invitation gave: no department or place.
      entry.display_name += " (" + user.guest_domain + ")";
      if (draw.Below(2) == 0) entry.job_title = Pick(kJobTitles, draw.Next());
    } else {
      // Some members have no department, title or place filled in: Graph answers null.
      if (draw.Below(6) != 0) entry.department = Pick(kDepartments, draw.Next());
      if (draw.Below(5) != 0) entry.job_title = Pick(kJobTitles, draw.Next());
      if (draw.Below(7) != 0) {
        const auto& [city, country] = kPlaces[draw.Below(std::size(kPlaces))];
        entry.city = std::string(city);
        entry.country = std::string(country);
      }
    }
    if (!entry.deleted) {
      by_key_.emplace(ToLower(entry.id), users_.size());
      by_key_.emplace(ToLower(entry.upn), users_.size());
    }
    users_.push_back(std::move(entry));
  }
}

const DirectoryUser* Directory::Find(std::string_view key) const {
  const auto it = by_key_.find(ToLower(key));
  return it == by_key_.end() ? nullptr : &users_[it->second];
}

nlohmann::ordered_json Directory::ToJson() const {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const auto& user : users_) {
    out.push_back({{"id", user.id},
                   {"userPrincipalName", user.upn},
                   {"deleted", user.deleted},
                   {"displayName", user.display_name},
                   {"department", Nullable(user.department)},
                   {"jobTitle", Nullable(user.job_title)},
                   {"city", Nullable(user.city)},
                   {"country", Nullable(user.country)},
                   {"userType", user.user_type}});
  }
  return out;
}

}  // namespace emulator
