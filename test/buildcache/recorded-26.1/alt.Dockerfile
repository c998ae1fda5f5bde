FROM localbase
RUN echo alt-NONCE > /nonce
COPY src/app.txt /app.txt
RUN dd if=/dev/zero of=/alt.bin bs=1024 count=50 2>/dev/null && cat /app.txt
