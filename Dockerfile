# syntax=docker/dockerfile:1
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY bin bin
COPY contracts contracts
COPY platform platform
COPY connectors connectors
COPY gateway gateway
COPY normalizer normalizer
COPY router router
COPY config config
COPY console console
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim
ENV NODE_ENV=production LEADGATE_DATA_DIR=/var/lib/leadgate
WORKDIR /app
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
COPY --from=build /app/config config
COPY package.json ./
RUN mkdir -p /var/lib/leadgate && chown node:node /var/lib/leadgate
USER node
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s CMD node -e "fetch('http://127.0.0.1:8080/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "dist/bin/leadgate.js"]
CMD ["start", "--config", "config/leadgate.example.yaml"]
