# A build-only stage is not reproducible either (a warning there too),
# nor is an untagged image under a registry with a port.
FROM golang AS build
WORKDIR /src
COPY . .
RUN go build -o /out/app .
FROM localhost:5000/team/runtime
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
