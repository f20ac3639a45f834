# Build: docker build -t ewaybill .
# The build context is copied whole (COPY . .) so that no file the build
# embeds (include_str!, migrations, models/) can be left behind;
# .dockerignore keeps build output, local data and VCS metadata out.
# tests/deploy.rs checks both.
FROM rust:1.95-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends libpq-dev && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin ewaybill

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq5 ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /var/lib/ewaybill --create-home ewaybill \
    && chmod 0700 /var/lib/ewaybill
COPY --from=build /src/target/release/ewaybill /usr/local/bin/ewaybill
COPY --from=build /src/fixtures /usr/share/ewaybill/fixtures
USER ewaybill
WORKDIR /var/lib/ewaybill
ENV EWAYBILL_LISTEN=0.0.0.0:8080 \
    EWAYBILL_DATA_DIR=/var/lib/ewaybill \
    EWAYBILL_LOG_FORMAT=json
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD curl -fsS http://127.0.0.1:8080/readyz || exit 1
ENTRYPOINT ["ewaybill"]
CMD ["serve"]
