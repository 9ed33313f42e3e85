#include "graph.hpp"

#include <charconv>

#include <fmt/format.h>

#include "core/time.hpp"
#include "ids.hpp"
#include "json_writer.hpp"

namespace emulator {
namespace {

constexpr char kInvalidRequest[] = "Invalid request data";

// The list-valued filters of §1.5, echoed back as arrays.
constexpr const char* kListFilters[] = {
    "recordTypeFilters",           "serviceFilters",   "operationFilters",
    "userPrincipalNameFilters",    "ipAddressFilters", "objectIdFilters",
    "administrativeUnitIdFilters",
};

std::string Version(const httplib::Request& request) {
  return request.matches.size() > 1 ? request.matches[1].str() : "v1.0";
}

std::string QueryId(const httplib::Request& request) {
  return request.matches.size() > 2 ? request.matches[2].str() : "";
}

std::int64_t Seconds(auditsync::Instant instant) { return instant.time_since_epoch().count(); }

bool ParseSize(const std::string& text, std::size_t& value) {
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc() && ptr == text.data() + text.size();
}

}  // namespace

std::shared_ptr<GraphService::AuditQuery> GraphService::FindOrAnswer404(
    const httplib::Request& request, httplib::Response& response, const GraphCall& call) const {
  const std::string id = QueryId(request);
  auto query = Find(id);
  if (!query) {
    SendGraphError(response, 404, "itemNotFound",
                   fmt::format("The audit log query '{}' was not found.", id), call);
  }
  return query;
}

std::shared_ptr<GraphService::AuditQuery> GraphService::Find(const std::string& id) const {
  std::lock_guard lock(mutex_);
  const auto it = queries_.find(id);
  return it == queries_.end() ? nullptr : it->second;
}

std::string GraphService::Context(const httplib::Request& request,
                                  const std::string& suffix) const {
  return BaseUrl(request, settings_.port) + "/" + Version(request) + "/$metadata#" + suffix;
}

void GraphService::DecideFate(AuditQuery& query) const {
  Stream fate(Hash(tenant_.config().seed, HashString(query.id)));
  query.will_fail = fate.Unit() < settings_.fail_queries;
  query.stuck = fate.Unit() < settings_.stuck_queries;
}

void GraphService::Refuse(const Refusal& refusal, httplib::Response& response,
                          const GraphCall& call) {
  stats_.CountQueryRejected(refusal.limit);
  response.set_header("Retry-After", std::to_string(refusal.retry_after_seconds));
  SendGraphError(response, 429, "TooManyRequests", refusal.message, call);
}

bool GraphService::Advance(AuditQuery& query) {
  if (query.status != "notStarted" && query.status != "running") return false;
  ++query.polls;
  const bool ready = !query.stuck && query.polls >= settings_.query_polls &&
                     std::chrono::steady_clock::now() - query.created >= settings_.query_delay;
  if (!ready) {
    query.status = "running";
    return false;
  }
  if (query.will_fail) {
    query.status = "failed";
    limits_.Finished();
    return false;
  }
  return true;
}

int GraphService::UnfinishedQueries() const {
  std::lock_guard lock(mutex_);
  return limits_.unfinished();
}

nlohmann::ordered_json GraphService::Entity(const AuditQuery& query) const {
  nlohmann::ordered_json entity = {{"id", query.id}};
  for (const auto& [key, value] : query.echo.items()) entity[key] = value;
  entity["status"] = query.status;
  if (query.status == "succeeded") {
    entity["approximateReturnedRecordCount"] = query.served;
    entity["isRecordCountLimitExceeded"] = query.matching > settings_.record_cap;
    entity["recordCountLimit"] = settings_.record_cap;
  }
  return entity;
}

void GraphService::CreateQuery(const httplib::Request& request, httplib::Response& response,
                               const GraphCall& call) {
  auto bad = [&] { SendGraphError(response, 400, "BadRequest", kInvalidRequest, call); };
  const auto body = nlohmann::json::parse(request.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) return bad();

  auto query = std::make_shared<AuditQuery>();
  nlohmann::ordered_json& echo = query->echo;

  const auto name = body.find("displayName");
  if (name != body.end() && !name->is_string() && !name->is_null()) return bad();
  echo["displayName"] = name != body.end() ? *name : nlohmann::json();

  // Both dates are required here (the real API treats every property as optional, but a query
  // without a window is not something auditsync ever sends).
  std::int64_t bounds[2] = {0, 0};
  const char* date_keys[2] = {"filterStartDateTime", "filterEndDateTime"};
  for (int i = 0; i < 2; ++i) {
    const auto value = body.find(date_keys[i]);
    if (value == body.end() || !value->is_string()) return bad();
    const auto instant = auditsync::ParseIso8601(value->get<std::string>());
    if (!instant) return bad();
    bounds[i] = Seconds(*instant);
    echo[date_keys[i]] = auditsync::FormatIso8601(*instant);
  }
  if (bounds[0] >= bounds[1]) return bad();
  query->filters.start = bounds[0];
  // Records have whole seconds, so an end that includes its own second is the next second,
  // excluded.
  query->filters.end = settings_.inclusive_end ? bounds[1] + 1 : bounds[1];

  for (const char* key : kListFilters) {
    std::vector<std::string> values;
    const auto value = body.find(key);
    if (value != body.end() && !value->is_null()) {
      if (!value->is_array()) return bad();
      for (const auto& item : *value) {
        if (!item.is_string()) return bad();
        values.push_back(item.get<std::string>());
      }
    }
    if (std::string_view(key) == "serviceFilters") {
      // Older doc pages name a single-string `serviceFilter`; accept it as one more service.
      const auto single = body.find("serviceFilter");
      if (single != body.end() && single->is_string()) values.push_back(single->get<std::string>());
    }
    echo[key] = values;
    if (std::string_view(key) == "operationFilters") query->filters.operations = values;
    if (std::string_view(key) == "serviceFilters") query->filters.services = values;
    if (std::string_view(key) == "recordTypeFilters") query->filters.record_types = values;
    if (std::string_view(key) == "userPrincipalNameFilters") {
      query->filters.user_principal_names = values;
    }
  }
  const auto keyword = body.find("keywordFilter");
  if (keyword != body.end() && !keyword->is_string() && !keyword->is_null()) return bad();
  echo["keywordFilter"] = keyword != body.end() ? *keyword : nlohmann::json();

  query->id = RandomGuid();
  query->created = std::chrono::steady_clock::now();
  DecideFate(*query);
  const Clock::Reading clock = clock_.Read();
  // A late record must not slip into a query that was created before it was published, so the
  // result set is fixed at creation. Without late publication or a simulated clock the query
  // sees the tenant as it is when it succeeds, as it always did.
  if (clock.simulated || tenant_.config().late_publication) query->snapshot_at = clock.now;

  nlohmann::ordered_json entity;
  std::optional<Refusal> refusal;
  {
    // Admission and insertion under one lock: concurrent submissions cannot both take the last
    // unit of a limit.
    std::lock_guard lock(mutex_);
    refusal = limits_.Admit(clock.now);
    if (!refusal) {
      queries_[query->id] = query;
      order_.push_back(query);
      entity = Entity(*query);
    }
  }
  if (refusal) return Refuse(*refusal, response, call);
  stats_.CountQueryCreated();

  nlohmann::ordered_json out = {
      {"@odata.context", Context(request, "security/auditLog/queries/$entity")}};
  for (const auto& [key, value] : entity.items()) out[key] = value;
  response.status = 201;
  response.set_header("Location", BaseUrl(request, settings_.port) + "/" + Version(request) +
                                      "/security/auditLog/queries/" + query->id);
  response.set_content(out.dump(), kGraphContentType);
}

void GraphService::ListQueries(const httplib::Request& request, httplib::Response& response,
                               const GraphCall&) {
  nlohmann::ordered_json out = {{"@odata.context", Context(request, "security/auditLog/queries")}};
  nlohmann::ordered_json values = nlohmann::ordered_json::array();
  {
    std::lock_guard lock(mutex_);
    for (const auto& query : order_) values.push_back(Entity(*query));
  }
  out["value"] = std::move(values);
  response.status = 200;
  response.set_content(out.dump(), kGraphContentType);
}

void GraphService::GetQuery(const httplib::Request& request, httplib::Response& response,
                            const GraphCall& call) {
  const auto query = FindOrAnswer404(request, response, call);
  if (!query) return;

  bool run = false;
  {
    std::lock_guard lock(mutex_);
    run = Advance(*query);
  }
  if (run) {
    // Count outside the lock: a window of millions of records takes a moment, and other
    // requests must not wait for it. A concurrent poll may count too; both get the same result.
    const std::int64_t as_of = query->snapshot_at.value_or(clock_.Now());
    const std::uint64_t matching = CountMatches(tenant_, query->filters, Snapshot::At(as_of));
    std::lock_guard lock(mutex_);
    if (query->status != "succeeded") {
      query->as_of = as_of;
      query->matching = matching;
      query->served = std::min(matching, settings_.record_cap);
      query->status = "succeeded";
      limits_.Finished();
    }
  }

  nlohmann::ordered_json out = {
      {"@odata.context", Context(request, "security/auditLog/queries/$entity")}};
  nlohmann::ordered_json entity;
  {
    std::lock_guard lock(mutex_);
    entity = Entity(*query);
  }
  for (const auto& [key, value] : entity.items()) out[key] = value;
  response.status = 200;
  response.set_content(out.dump(), kGraphContentType);
}

void GraphService::ListRecords(const httplib::Request& request, httplib::Response& response,
                               const GraphCall& call) {
  const auto query = FindOrAnswer404(request, response, call);
  if (!query) return;
  const std::string& id = query->id;
  std::string status;
  std::int64_t as_of = 0;
  std::uint64_t total = 0;
  {
    std::lock_guard lock(mutex_);
    status = query->status;
    as_of = query->as_of;
    total = query->served;
  }
  if (status != "succeeded") {
    return SendGraphError(
        response, 400, "BadRequest",
        fmt::format("The audit log query '{}' has not succeeded (status: {}); its records are not "
                    "available.",
                    id, status),
        call);
  }

  std::size_t page_size = settings_.default_page_size;
  const bool has_top = request.has_param("$top");
  if (has_top) {
    if (!ParseSize(request.get_param_value("$top"), page_size) || page_size == 0) {
      return SendGraphError(response, 400, "BadRequest",
                            "Invalid value for the query option '$top'.", call);
    }
    page_size = std::min(page_size, settings_.max_page_size);
  }

  Cursor cursor = StartCursor(query->filters);
  if (request.has_param("$skiptoken")) {
    const auto token = DecodeSkipToken(request.get_param_value("$skiptoken"));
    // The cursor must belong to this query and lie inside its window (a forged hour far away
    // would otherwise make the server walk years of records).
    const std::int64_t last_hour = (query->filters.end - 1) / 3600 + 1;
    if (!token || token->query_id != id || token->cursor.hour < cursor.hour ||
        token->cursor.hour > last_hour || token->cursor.served > total) {
      return SendGraphError(response, 400, "BadRequest", "The $skiptoken is not valid.", call);
    }
    cursor = token->cursor;
  }

  const Page page =
      ReadPage(tenant_, query->filters, Snapshot::At(as_of), cursor, page_size, total);
  stats_.CountRecordsServed(page.count);

  std::string body = "{\"@odata.context\":";
  AppendJsonString(body,
                   Context(request, fmt::format("security/auditLog/queries('{}')/records", id)));
  if (page.next) {
    std::string link = fmt::format("{}/{}/security/auditLog/queries/{}/records?",
                                   BaseUrl(request, settings_.port), Version(request), id);
    if (has_top) link += fmt::format("$top={}&", page_size);
    link += "$skiptoken=" + EncodeSkipToken(id, *page.next);
    body += ",\"@odata.nextLink\":";
    AppendJsonString(body, link);
  }
  body += ",\"value\":";
  body += page.values;
  body += '}';
  response.status = 200;
  response.set_content(std::move(body), kGraphContentType);
}

}  // namespace emulator
