// Azure resources for one Cloud Sync environment, deployed by `teamsapp provision` (arm/deploy).
// Server app (bot, tab, API) and worker app on Linux App Service (Node.js 24, the compiled artifact of
// `npm run artifact`), Azure Bot with the Teams
// channel, PostgreSQL Flexible Server (private access in the VNet; the apps sign in with Microsoft
// Entra tokens of their managed identities, each as a least-privilege role that infra/postgres-roles.sql
// creates), Key Vault for every secret (read by each app's own managed identity through Key Vault
// references; network-restricted to the app subnets), Application Insights. Outputs are written back to env/.env.<env> by Teams Toolkit.

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

@description('Password administrator of PostgreSQL, for bootstrap and break-glass only: the apps never use it.')
param postgresAdminLogin string = 'cloudsync'

@secure()
@minLength(12)
param postgresAdminPassword string

@description('Object id of the Microsoft Entra user, group or service principal that administers PostgreSQL and runs infra/postgres-roles.sql.')
param postgresEntraAdminObjectId string

@description('Display name (a user: its user principal name) of that Entra administrator.')
param postgresEntraAdminName string

@allowed(['User', 'Group', 'ServicePrincipal'])
param postgresEntraAdminType string = 'User'

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

// One identity per app: the worker's can read only the secrets it needs, never the bot's password.
resource serverIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: '${resourceBaseName}-server-identity'
  location: location
}

resource workerIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: '${resourceBaseName}-worker-identity'
  location: location
}

// Private networking: each app plan integrates with its own subnet (App Service allows one plan per
// integration subnet), PostgreSQL lives in a delegated subnet with no public endpoint, and Key Vault
// accepts only the app subnets (service endpoint) and trusted Azure services.
resource vnet 'Microsoft.Network/virtualNetworks@2023-09-01' = {
  name: '${resourceBaseName}-vnet'
  location: location
  properties: {
    addressSpace: {
      addressPrefixes: ['10.40.0.0/16']
    }
    subnets: [
      {
        name: 'server-apps'
        properties: {
          addressPrefix: '10.40.1.0/24'
          delegations: [
            {
              name: 'web'
              properties: { serviceName: 'Microsoft.Web/serverFarms' }
            }
          ]
          serviceEndpoints: [{ service: 'Microsoft.KeyVault' }]
        }
      }
      {
        name: 'worker-apps'
        properties: {
          addressPrefix: '10.40.2.0/24'
          delegations: [
            {
              name: 'web'
              properties: { serviceName: 'Microsoft.Web/serverFarms' }
            }
          ]
          serviceEndpoints: [{ service: 'Microsoft.KeyVault' }]
        }
      }
      {
        name: 'postgres'
        properties: {
          addressPrefix: '10.40.3.0/24'
          delegations: [
            {
              name: 'postgres'
              properties: { serviceName: 'Microsoft.DBforPostgreSQL/flexibleServers' }
            }
          ]
        }
      }
    ]
  }
}

var serverSubnetId = resourceId('Microsoft.Network/virtualNetworks/subnets', vnet.name, 'server-apps')
var workerSubnetId = resourceId('Microsoft.Network/virtualNetworks/subnets', vnet.name, 'worker-apps')
var postgresSubnetId = resourceId('Microsoft.Network/virtualNetworks/subnets', vnet.name, 'postgres')

// PostgreSQL private access resolves the server's name through this zone inside the VNet.
resource postgresDnsZone 'Microsoft.Network/privateDnsZones@2020-06-01' = {
  name: '${resourceBaseName}.private.postgres.database.azure.com'
  location: 'global'
}

resource postgresDnsLink 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2020-06-01' = {
  parent: postgresDnsZone
  name: '${resourceBaseName}-vnet-link'
  location: 'global'
  properties: {
    registrationEnabled: false
    virtualNetwork: {
      id: vnet.id
    }
  }
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
    // Entra sign-in for the apps' managed identities; the password stays for the bootstrap administrator.
    authConfig: {
      activeDirectoryAuth: 'Enabled'
      passwordAuth: 'Enabled'
      tenantId: subscription().tenantId
    }
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
    // Private access only: no public endpoint, so no firewall rule of any kind.
    network: {
      delegatedSubnetResourceId: postgresSubnetId
      privateDnsZoneArmResourceId: postgresDnsZone.id
    }
  }
  dependsOn: [
    postgresDnsLink
  ]
}

resource database 'Microsoft.DBforPostgreSQL/flexibleServers/databases@2022-12-01' = {
  parent: postgres
  name: databaseName
  properties: {
    charset: 'UTF8'
    collation: 'en_US.utf8'
  }
}

// The Entra administrator creates the apps' roles (infra/postgres-roles.sql): only an Entra
// administrator may map roles to Entra principals.
resource postgresEntraAdmin 'Microsoft.DBforPostgreSQL/flexibleServers/administrators@2022-12-01' = {
  parent: postgres
  name: postgresEntraAdminObjectId
  properties: {
    principalName: postgresEntraAdminName
    principalType: postgresEntraAdminType
    tenantId: subscription().tenantId
  }
  dependsOn: [
    database
  ]
}

// Each app signs in to PostgreSQL as the role named after its managed identity, with an Entra token of
// that identity as the password: the URL carries no secret.
var postgresHost = postgres.properties.fullyQualifiedDomainName
var serverDatabaseUrl = 'postgres://${serverIdentity.name}@${postgresHost}:5432/${databaseName}?sslmode=verify-full'
var workerDatabaseUrl = 'postgres://${workerIdentity.name}@${postgresHost}:5432/${databaseName}?sslmode=verify-full'

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
    networkAcls: {
      defaultAction: 'Deny'
      bypass: 'AzureServices'
      virtualNetworkRules: [
        { id: serverSubnetId }
        { id: workerSubnetId }
      ]
    }
  }
  dependsOn: [
    vnet
  ]
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

// The server reads every secret of the vault.
resource serverSecretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: keyVault
  name: guid(keyVault.id, serverIdentity.id, keyVaultSecretsUserRoleId)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUserRoleId)
    principalId: serverIdentity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

// The worker reads its two secrets, each granted on the secret itself; never bot-password.
resource workerTokenKeyReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: tokenEncryptionKeySecret
  name: guid(tokenEncryptionKeySecret.id, workerIdentity.id, keyVaultSecretsUserRoleId)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUserRoleId)
    principalId: workerIdentity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource workerClientSecretReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: aadAppClientSecretSecret
  name: guid(aadAppClientSecretSecret.id, workerIdentity.id, keyVaultSecretsUserRoleId)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUserRoleId)
    principalId: workerIdentity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

// Settings both apps share. Secrets are Key Vault references resolved by each app's managed identity;
// the bot's id and password are the server's alone.
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
    name: 'TOKEN_ENCRYPTION_KEY'
    value: '@Microsoft.KeyVault(SecretUri=${tokenEncryptionKeySecret.properties.secretUri})'
  }
  {
    name: 'DATABASE_AUTH'
    value: 'entra'
  }
  {
    name: 'IT_ADMINS'
    value: itAdmins
  }
  // The apps send their own telemetry (bot/telemetry), which strips query strings from URLs; App
  // Service's Application Insights agent is left off, since it records URLs with their queries.
  {
    name: 'APPLICATIONINSIGHTS_CONNECTION_STRING'
    value: appInsights.properties.ConnectionString
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
      '${serverIdentity.id}': {}
    }
  }
  properties: {
    serverFarmId: serverPlan.id
    httpsOnly: true
    keyVaultReferenceIdentity: serverIdentity.id
    // Outbound traffic (PostgreSQL, Key Vault references) goes through the VNet.
    virtualNetworkSubnetId: serverSubnetId
    vnetRouteAllEnabled: true
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
        {
          name: 'BOT_ID'
          value: botAadAppClientId
        }
        {
          name: 'BOT_PASSWORD'
          value: '@Microsoft.KeyVault(SecretUri=${botPasswordSecret.properties.secretUri})'
        }
        {
          name: 'DATABASE_URL'
          value: serverDatabaseUrl
        }
        {
          name: 'DATABASE_IDENTITY_CLIENT_ID'
          value: serverIdentity.properties.clientId
        }
      ])
    }
  }
  dependsOn: [
    serverSecretsUser
    postgresEntraAdmin
    vnet
  ]
}

resource workerApp 'Microsoft.Web/sites@2023-12-01' = {
  name: '${resourceBaseName}-worker'
  location: location
  kind: 'app,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${workerIdentity.id}': {}
    }
  }
  properties: {
    serverFarmId: workerPlan.id
    httpsOnly: true
    keyVaultReferenceIdentity: workerIdentity.id
    virtualNetworkSubnetId: workerSubnetId
    vnetRouteAllEnabled: true
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
        {
          name: 'DATABASE_URL'
          value: workerDatabaseUrl
        }
        {
          name: 'DATABASE_IDENTITY_CLIENT_ID'
          value: workerIdentity.properties.clientId
        }
      ])
    }
  }
  dependsOn: [
    workerTokenKeyReader
    workerClientSecretReader
    postgresEntraAdmin
    vnet
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
