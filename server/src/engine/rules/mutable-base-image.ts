// mutable-base-image: FROM without a tag, or with `latest`: every step of the stage (and of stages built on it) keys
// on a moving target; when the tag moves, everything rebuilds, and until you pull, nothing does.
import { impactOf } from '../explain';
import type { Finding, Rule } from './types';
import { lineRange, plural } from './util';

/** Docker's reference grammar: path components after an optional registry host are lower-case. */
function validReference(ref: string): boolean {
  const comps = ref.replace(/:[\w][\w.-]{0,127}$/, '').split('/');
  if (comps.length > 1 && (/[.:]/.test(comps[0]!) || comps[0] === 'localhost')) comps.shift();
  return comps.length > 0 && comps.every((c) => /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/.test(c));
}

/**
 * The repositories of Docker Hub's official images (`docker.io/library/<name>`, docker-library/official-images,
 * deprecated ones included). A one-part name outside it is not an image anyone can pull: an image built on this
 * machine before (a test suite's `docker build -t bats-jenkins`), or a named build context (bake `contexts`). Its
 * `latest` is whatever the local build made, which no version pin can fix. A new official image missing here only
 * loses the finding.
 */
const OFFICIAL = new Set(
  (
    'adminer aerospike almalinux alpine alt amazoncorretto amazonlinux api-firewall arangodb archlinux backdrop bash bonita ' +
    'buildpack-deps busybox caddy cassandra celery centos chronograf cirros clearlinux clefos clickhouse clojure composer ' +
    'consul convertigo couchbase couchdb crate crux dart debian django docker docker-dev drupal eclipse-mosquitto ' +
    'eclipse-temurin eggdrop elasticsearch elixir emqx erlang euleros express-gateway fedora flink fluentd friendica fsharp ' +
    'gazebo gcc geonetwork ghost glassfish golang gradle groovy haproxy haskell haxe hello-world hipache hitch httpd hylang ' +
    'ibm-semeru-runtimes ibmjava influxdb iojs irssi java jenkins jetty jobber joomla jruby julia kaazing-gateway kapacitor ' +
    'kibana known kong krakend lightstreamer liquibase logstash mageia mariadb matomo maven mediawiki memcached mongo ' +
    'mongo-express monica mono mysql nats nats-streaming neo4j neurodebian nextcloud nginx node notary nuxeo odoo ' +
    'open-liberty openjdk opensuse oraclelinux orientdb owncloud percona perl photon php php-zendserver phpmyadmin piwik ' +
    'plone postfixadmin postgres pypy python r-base rabbitmq rails rakudo-star rapidoid redis redmine registry rethinkdb ' +
    'rocket.chat rockylinux ros ruby rust sapmachine satosa sentry silverpeas sl solr sonarqube sourcemage spark spiped ' +
    'storm swarm swift swipl teamspeak telegraf thrift tomcat tomee traefik ubuntu ubuntu-debootstrap ubuntu-upstart unit ' +
    'valkey varnish vault websphere-liberty wordpress xwiki yourls znc zookeeper'
  ).split(' '),
);

/** A reference Docker Hub resolves as `library/<name>` for a name not in the official list. */
function notPullable(ref: string): boolean {
  let comps = ref.replace(/:[\w][\w.-]{0,127}$/, '').split('/');
  if (comps.length > 1 && /^(docker\.io|index\.docker\.io|registry-1\.docker\.io)$/.test(comps[0]!)) comps = comps.slice(1);
  if (comps.length === 2 && comps[0] === 'library') comps = comps.slice(1);
  return comps.length === 1 && !OFFICIAL.has(comps[0]!);
}

export const mutableBaseImage: Rule = {
  id: 'mutable-base-image',
  title: 'Base image without a pinned tag',
  defaultSeverity: 'warning',
  description: 'FROM an image without a tag or with :latest. Every layer keys on whatever that tag points to when the builder resolves it, so builds are not reproducible and a tag move rebuilds every step. Pin a version tag or a digest.',
  check(rc) {
    const out: Finding[] = [];
    const { model } = rc;
    for (const stage of model.stages) {
      if (stage.base.kind !== 'image') continue;
      const ref = stage.base.ref.replace(/ \(.*\)$/, '');
      if (!ref || ref.includes('$') || ref.includes('@')) continue;
      // not an image reference at all (`FROM REPLACE-ME`, a template placeholder): the build fails on the name itself
      if (!validReference(ref)) continue;
      // a local image or a named context (`FROM bats-jenkins`, `FROM base-image`): no registry holds it
      if (notPullable(ref)) continue;
      const lastSeg = ref.split('/').pop()!;
      const tag = lastSeg.includes(':') ? lastSeg.split(':').pop()! : null;
      if (tag !== null && tag !== 'latest') continue;
      const first = stage.steps[0];
      const n = stage.steps.length + (first !== undefined ? impactOf(model, first).rebuilt.filter((i) => model.steps[i]!.stage !== stage.index).length : 0);
      out.push({
        rule: this.id,
        severity: this.defaultSeverity,
        range: lineRange(stage.line, model.parsed.lines[stage.line] ?? ''),
        message: `\`${ref}\` ${tag === null ? 'has no tag (it means :latest)' : 'uses :latest'}: ${n ? `${plural(n, 'step')} key${n === 1 ? 's' : ''} on a moving target — when the tag moves ${n === 1 ? 'it rebuilds' : 'they all rebuild'}` : 'the image is whatever the tag points to when the builder resolves it'}, and builds on different machines differ. Pin a version (e.g. \`${ref.replace(/:[^/:]*$/, '')}:<version>\`) or a digest.`,
      });
    }
    return out;
  },
};
