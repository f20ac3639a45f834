# Build: docker build -t ewaybill .
FROM rust:1.95-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends libpq-dev && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY migrations ./migrations
COPY benches ./benches
RUN cargo build --release --locked --bin ewaybill

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq5 ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /var/lib/ewaybill --create-home ewaybill \
    && chmod 0700 /var/lib/ewaybill
COPY --from=build /src/target/release/ewaybill /usr/local/bin/ewaybill
COPY fixtures /usr/share/ewaybill/fixtures
USER ewaybill
WORKDIR /var/lib/ewaybill
ENV EWAYBILL_LISTEN=0.0.0.0:8080 \
    EWAYBILL_DATA_DIR=/var/lib/ewaybill \
    EWAYBILL_LOG_FORMAT=json
EXPOSE 8080
ENTRYPOINT ["ewaybill"]
CMD ["serve"]
