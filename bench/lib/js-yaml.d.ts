// The one function of js-yaml 4 the docker-compose test uses (the package ships no types).
declare module 'js-yaml' {
  const yaml: { load(text: string): unknown };
  export default yaml;
}
