FROM localbase
RUN echo NONCE > /a
WORKDIR /app
RUN echo b > b
