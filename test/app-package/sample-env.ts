/** Values for every manifest placeholder, shaped like the ones provisioning writes. */
export const SAMPLE_ENV: Record<string, string> = {
  TEAMS_APP_ID: '3f1b2c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
  BOT_ID: '7a8b9c0d-1e2f-4a3b-9c4d-5e6f7a8b9c0d',
  AAD_APP_CLIENT_ID: '0b5a1e3c-1111-4a2b-9c3d-222222222222',
  PUBLIC_URL: 'https://cloudsync-server.azurewebsites.net',
  PUBLIC_HOSTNAME: 'cloudsync-server.azurewebsites.net',
  PUBLISHER_NAME: 'Contoso Recruitment',
  PUBLISHER_WEBSITE_URL: 'https://contoso.example/cloud-sync',
  PUBLISHER_PRIVACY_URL: 'https://contoso.example/privacy',
  PUBLISHER_TERMS_URL: 'https://contoso.example/terms',
};
