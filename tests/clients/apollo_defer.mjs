// Apollo Client (4.x, the 2022 @defer format) reading a deferred query from the BFF: one line of JSON on stdout
// per result the client renders, as it renders it. Usage: node apollo_defer.mjs <graphql url> <query> [vars json]
import { ApolloClient, HttpLink, InMemoryCache, gql } from "@apollo/client";
import { Defer20220824Handler } from "@apollo/client/incremental";

const [url, query, variables = "{}"] = process.argv.slice(2);
const client = new ApolloClient({
  link: new HttpLink({ uri: url }),
  cache: new InMemoryCache(),
  incrementalHandler: new Defer20220824Handler(),
});

const observable = client.watchQuery({
  query: gql(query),
  variables: JSON.parse(variables),
  fetchPolicy: "network-only",
});
const subscription = observable.subscribe({
  next(result) {
    if (result.loading && !result.data) return;
    const line = JSON.stringify({ dataState: result.dataState, data: result.data, error: result.error?.message });
    process.stdout.write(line + "\n");
    if (result.dataState === "complete" || result.error) {
      subscription.unsubscribe();
      process.exit(result.error ? 1 : 0);
    }
  },
  error(error) {
    process.stderr.write(String(error) + "\n");
    process.exit(1);
  },
});
