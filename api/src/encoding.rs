//! When a client's `Accept-Encoding` accepts none of the codings the service offers (say
//! `identity;q=0`), actix's `Compress` answers a bare-text 406. HTTP has not asked for that
//! since RFC 7231: the response goes without a content coding (RFC 9110 §12.5.3), which every
//! client can read. So such a header is dropped before `Compress` sees it.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{AcceptEncoding, Encoding, ACCEPT_ENCODING};
use actix_web::middleware::Next;
use actix_web::HttpMessage;

/// What `Compress` can answer with, as built here (the `compress-gzip` feature).
const OFFERED: [Encoding; 3] = [Encoding::gzip(), Encoding::deflate(), Encoding::identity()];

pub async fn unencoded_when_nothing_offered_is_accepted(
    mut request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    // Only a zero weight can refuse identity, so every other header (every browser's) is left
    // for `Compress` alone to parse.
    let refuses_all = request
        .headers()
        .get(ACCEPT_ENCODING)
        .is_some_and(|value| has_zero_weight(value.as_bytes()))
        && request
            .get_header::<AcceptEncoding>()
            .is_some_and(|accepted| accepted.negotiate(OFFERED.iter()).is_none());
    if refuses_all {
        request.headers_mut().remove(ACCEPT_ENCODING);
    }
    next.call(request).await
}

/// Whether a header value holds `q=0` (the weight's name is case-insensitive, RFC 9110 §12.4.2).
fn has_zero_weight(value: &[u8]) -> bool {
    value
        .windows(3)
        .any(|window| window.eq_ignore_ascii_case(b"q=0"))
}
