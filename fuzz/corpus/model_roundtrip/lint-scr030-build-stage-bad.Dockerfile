# In a build stage the split may be deliberate (a cache step per RUN): still
# an info, never more.
FROM golang:1.22-bookworm AS build
WORKDIR /src
COPY . .
RUN go mod download
RUN go build -o /out/app .
FROM scratch
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
