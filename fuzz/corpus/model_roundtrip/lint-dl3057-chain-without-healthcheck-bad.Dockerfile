FROM scratch AS base1
FROM base1 AS base2
FROM base2 AS base3.1
FROM base2 AS base3.2

FROM base3.1 AS end1
HEALTHCHECK NONE

FROM base3.2 AS end2
