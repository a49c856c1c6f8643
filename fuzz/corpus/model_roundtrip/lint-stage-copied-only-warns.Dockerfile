FROM debian:bookworm-slim AS build
RUN apt-get update && apt-get install -y gcc
RUN gcc -o /hello hello.c
FROM debian:bookworm-slim
COPY --from=build /hello /hello
ENTRYPOINT ["/hello"]
