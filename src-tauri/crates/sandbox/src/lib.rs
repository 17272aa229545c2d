//! Local fakes of GHL and the five apps, faithful to their documented APIs (envelopes, status
//! codes, paging, rate-limit headers, errors). They imitate the remote apps and never import our
//! clients. The fakes arrive with their connectors' issues.
