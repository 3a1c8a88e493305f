// Starts GraphiQL against the endpoint that served the page. A file of its own (not inline) so the
// page works under a Content-Security-Policy that allows only scripts from the gateway itself.
const fetcher = GraphiQL.createFetcher({ url: window.location.pathname });
ReactDOM.createRoot(document.getElementById("graphiql")).render(
  React.createElement(GraphiQL, { fetcher: fetcher, defaultEditorToolsVisibility: true }));
