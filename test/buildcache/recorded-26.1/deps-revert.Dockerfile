FROM localbase AS deps
WORKDIR /app
COPY deps.txt ./
RUN --mount=type=cache,target=/cache dd if=/dev/zero of=/cache/blob bs=1024 count=300 2>/dev/null && dd if=/dev/zero of=/app/deps.bin bs=1024 count=200 2>/dev/null && cat deps.txt

FROM localbase
WORKDIR /srv
COPY --from=deps /app/deps.bin ./
COPY src/ ./src/
RUN dd if=/dev/zero of=/srv/built.bin bs=1024 count=100 2>/dev/null && cat src/app.txt > out.txt
