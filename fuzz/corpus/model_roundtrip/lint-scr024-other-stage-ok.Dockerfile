FROM scratch AS build
COPY foo /foo
FROM node:20 AS run
COPY --from=build foo /foo
