# A small image that runs feedhound as a user without privileges.
#
#   docker build -t feedhound .
#   docker run -d -p 8080:8080 -v feedhound:/data \
#     -v $PWD/feedhound.yaml:/etc/feedhound/feedhound.yaml:ro feedhound
#
# The configuration must listen on all interfaces of the container and keep
# its database in the volume:
#   listen: 0.0.0.0:8080
#   data: /data/feedhound.db
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# SQLite is pure Go (modernc.org/sqlite): the binary is static.
RUN CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o /out/feedhound ./cmd/feedhound \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/feedhound /usr/local/bin/feedhound
COPY --from=build --chown=nonroot:nonroot /out/data /data
USER nonroot:nonroot
VOLUME /data
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/feedhound"]
CMD ["run", "--config", "/etc/feedhound/feedhound.yaml", "--log-format", "json"]
