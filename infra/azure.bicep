// Azure resources for one Cloud Sync environment, deployed by `teamsapp provision` (arm/deploy).
// Server app (bot, tab, API) and worker app on Linux App Service (Node.js 24, the compiled artifact of
// `npm run artifact`), Azure Bot with the Teams
// channel, PostgreSQL Flexible Server, Key Vault for every secret (read by managed identity through Key
// Vault references), Application Insights. Outputs are written back to env/.env.<env> by Teams Toolkit.

@minLength(4)
@maxLength(20)
@description('Prefix of every resource name; lowercase letters and digits.')
param resourceBaseName string

param location string = resourceGroup().location

@description('Teams Toolkit environment name; the deployed server also reads env/.env.<name>.')
param teamsfxEnv string

@description('SKU of the server plan (bot, tab and API).')
param appServiceSku string = 'B1'

@description('SKU of the worker plan.')
param workerAppServiceSku string = 'B1'

@minValue(1)
@maxValue(30)
@description('Worker instances: each runs the compiled worker and leases accounts from PostgreSQL.')
param workerCount int = 1

param postgresSkuName string = 'Standard_B1ms'

@allowed(['Burstable', 'GeneralPurpose', 'MemoryOptimized'])
param postgresSkuTier string = 'Burstable'

param postgresStorageSizeGB int = 32

param postgresAdminLogin string = 'cloudsync'

@secure()
@minLength(12)
param postgresAdminPassword string

@allowed(['F0', 'S1'])
param botServiceSku string = 'F0'

@maxLength(42)
param botDisplayName string = 'Cloud Sync'

@description('Home tenant of the Entra app; with AzureADMyOrg, the only tenant whose users sign in.')
param m365TenantId string

@allowed(['AzureADMyOrg', 'AzureADMultipleOrgs'])
@description('AzureADMyOrg: an organisation hosts its own app. AzureADMultipleOrgs: one app serves many customer tenants.')
param aadAppSignInAudience string

param aadAppClientId string

@secure()
param aadAppClientSecret string

param botAadAppClientId string

@secure()
param botAadAppClientSecret string

@secure()
@minLength(44)
@maxLength(44)
@description('32 random bytes as base64: encrypts stored refresh tokens.')
param tokenEncryptionKey string

@description('IT administrators besides CRM administrators and Entra consent admins: comma-separated <tenant id>/<object id> pairs.')
param itAdmins string = ''

var serverAppName = '${resourceBaseName}-server'
var publicHostName = '${serverAppName}.azurewebsites.net'
var publicUrl = 'https://${publicHostName}'
var appIdUri = 'api://${publicHostName}/${aadAppClientId}'
var databaseName = 'cloudsync'
// Built-in role "Key Vault Secrets User": read secret values, nothing else.
var keyVaultSecretsUserRoleId = '4633458b-17de-408a-b874-0445c86b69e6'

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: '${resourceBaseName}-identity'
  location: location
}

resource logs 'Microsoft.OperationalInsights/workspaces@2022-10-01' = {
  name: '${resourceBaseName}-logs'
  location: location
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: 30
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: '${resourceBaseName}-insights'
  location: location
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logs.id
  }
}

resource postgres 'Microsoft.DBforPostgreSQL/flexibleServers@2022-12-01' = {
  name: '${resourceBaseName}-pg'
  location: location
  sku: {
    name: postgresSkuName
    tier: postgresSkuTier
  }
  properties: {
    version: '16'
    administratorLogin: postgresAdminLogin
    administratorLoginPassword: postgresAdminPassword
    storage: {
      storageSizeGB: postgresStorageSizeGB
    }
    backup: {
      backupRetentionDays: 7
      geoRedundantBackup: 'Disabled'
    }
    highAvailability: {
      mode: 'Disabled'
    }
  }
}

resource database 'Microsoft.DBforPostgreSQL/flexibleServers/databases@2022-12-01' = {
  parent: postgres
  name: databaseName
  properties: {
    charset: 'UTF8'
    collation: 'en_US.utf8'
  }
}

// 0.0.0.0 is Azure's convention for "Azure services"; connections still need TLS and the password.
resource postgresAzureAccess 'Microsoft.DBforPostgreSQL/flexibleServers/firewallRules@2022-12-01' = {
  parent: postgres
  name: 'AllowAzureServices'
  properties: {
    startIpAddress: '0.0.0.0'
    endIpAddress: '0.0.0.0'
  }
}

resource keyVault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: '${resourceBaseName}-kv'
  location: location
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 30
    enablePurgeProtection: true
  }
}

resource tokenEncryptionKeySecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: keyVault
  name: 'token-encryption-key'
  properties: {
    value: tokenEncryptionKey
  }
}

resource aadAppClientSecretSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: keyVault
  name: 'aad-app-client-secret'
  properties: {
    value: aadAppClientSecret
  }
}

resource botPasswordSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: keyVault
  name: 'bot-password'
  properties: {
    value: botAadAppClientSecret
  }
}

resource databaseUrlSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: keyVault
  name: 'database-url'
  properties: {
    value: 'postgres://${postgresAdminLogin}:${uriComponent(postgresAdminPassword)}@${postgres.properties.fullyQualifiedDomainName}:5432/${database.name}?sslmode=verify-full'
  }
}

resource secretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: keyVault
  name: guid(keyVault.id, identity.id, keyVaultSecretsUserRoleId)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUserRoleId)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

// Settings both apps share. Secrets are Key Vault references resolved by the managed identity.
var sharedSettings = [
  {
    name: 'NODE_ENV'
    value: 'production'
  }
  {
    name: 'TEAMSFX_ENV'
    value: teamsfxEnv
  }
  {
    name: 'PUBLIC_URL'
    value: publicUrl
  }
  {
    name: 'DATA_DIR'
    value: '/home/data'
  }
  {
    name: 'USE_EMULATOR'
    value: 'false'
  }
  {
    name: 'START_PLAYGROUND'
    value: 'false'
  }
  {
    name: 'M365_TENANT_ID'
    value: m365TenantId
  }
  {
    name: 'AAD_APP_SIGN_IN_AUDIENCE'
    value: aadAppSignInAudience
  }
  {
    name: 'AAD_APP_CLIENT_ID'
    value: aadAppClientId
  }
  {
    name: 'AAD_APP_CLIENT_SECRET'
    value: '@Microsoft.KeyVault(SecretUri=${aadAppClientSecretSecret.properties.secretUri})'
  }
  {
    name: 'AAD_APP_ID_URI'
    value: appIdUri
  }
  {
    name: 'BOT_ID'
    value: botAadAppClientId
  }
  {
    name: 'BOT_PASSWORD'
    value: '@Microsoft.KeyVault(SecretUri=${botPasswordSecret.properties.secretUri})'
  }
  {
    name: 'TOKEN_ENCRYPTION_KEY'
    value: '@Microsoft.KeyVault(SecretUri=${tokenEncryptionKeySecret.properties.secretUri})'
  }
  {
    name: 'DATABASE_URL'
    value: '@Microsoft.KeyVault(SecretUri=${databaseUrlSecret.properties.secretUri})'
  }
  {
    name: 'IT_ADMINS'
    value: itAdmins
  }
  {
    name: 'APPLICATIONINSIGHTS_CONNECTION_STRING'
    value: appInsights.properties.ConnectionString
  }
  {
    name: 'ApplicationInsightsAgent_EXTENSION_VERSION'
    value: '~3'
  }
]

resource serverPlan 'Microsoft.Web/serverfarms@2023-12-01' = {
  name: '${resourceBaseName}-server-plan'
  location: location
  kind: 'linux'
  sku: {
    name: appServiceSku
  }
  properties: {
    reserved: true
  }
}

resource workerPlan 'Microsoft.Web/serverfarms@2023-12-01' = {
  name: '${resourceBaseName}-worker-plan'
  location: location
  kind: 'linux'
  sku: {
    name: workerAppServiceSku
    capacity: workerCount
  }
  properties: {
    reserved: true
  }
}

resource serverApp 'Microsoft.Web/sites@2023-12-01' = {
  name: serverAppName
  location: location
  kind: 'app,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identity.id}': {}
    }
  }
  properties: {
    serverFarmId: serverPlan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identity.id
    siteConfig: {
      linuxFxVersion: 'NODE|24-lts'
      appCommandLine: 'node --enable-source-maps dist/bot/main.js'
      alwaysOn: true
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      ftpsState: 'Disabled'
      healthCheckPath: '/healthz'
      // The workers run apart (workerApp), so the server only serves.
      appSettings: concat(sharedSettings, [
        {
          name: 'RUN_WORKER_IN_SERVER'
          value: 'false'
        }
      ])
    }
  }
  dependsOn: [
    secretsUser
  ]
}

resource workerApp 'Microsoft.Web/sites@2023-12-01' = {
  name: '${resourceBaseName}-worker'
  location: location
  kind: 'app,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identity.id}': {}
    }
  }
  properties: {
    serverFarmId: workerPlan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identity.id
    siteConfig: {
      linuxFxVersion: 'NODE|24-lts'
      appCommandLine: 'node --enable-source-maps dist/bot/worker-main.js'
      alwaysOn: true
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      ftpsState: 'Disabled'
      healthCheckPath: '/healthz'
      // App Service routes its health probe to the container port, 8080 for Node.js by default.
      appSettings: concat(sharedSettings, [
        {
          name: 'WORKER_HEALTH_PORT'
          value: '8080'
        }
      ])
    }
  }
  dependsOn: [
    secretsUser
  ]
}

resource bot 'Microsoft.BotService/botServices@2022-09-15' = {
  name: resourceBaseName
  location: 'global'
  kind: 'azurebot'
  sku: {
    name: botServiceSku
  }
  properties: {
    displayName: botDisplayName
    endpoint: '${publicUrl}/api/messages'
    msaAppId: botAadAppClientId
    msaAppType: 'MultiTenant'
  }
}

resource teamsChannel 'Microsoft.BotService/botServices/channels@2022-09-15' = {
  parent: bot
  name: 'MsTeamsChannel'
  location: 'global'
  properties: {
    channelName: 'MsTeamsChannel'
  }
}

output PUBLIC_URL string = publicUrl
output PUBLIC_HOSTNAME string = publicHostName
output AAD_APP_ID_URI string = appIdUri
output BOT_AZURE_APP_SERVICE_RESOURCE_ID string = serverApp.id
output WORKER_AZURE_APP_SERVICE_RESOURCE_ID string = workerApp.id
