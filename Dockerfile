# The petitions service. SQLite and libpq are compiled in, so the image needs no database
# client libraries.
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p api --bin petitions

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* && useradd --system --home /var/lib/petitions petitions
COPY --from=build /src/target/release/petitions /usr/local/bin/petitions
USER petitions
WORKDIR /var/lib/petitions
ENV BIND_ADDR=0.0.0.0:8080
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s CMD curl -fsS http://127.0.0.1:8080/health/ready || exit 1
ENTRYPOINT ["petitions"]
CMD ["serve"]
