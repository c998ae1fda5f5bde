FROM localbase
RUN echo NONCE > /a
ARG SOURCE_DATE_EPOCH
RUN echo b > /b
