-- CreateTable
CREATE TABLE "BoardTeam" (
    "teamId" TEXT NOT NULL PRIMARY KEY,
    "tenantId" TEXT,
    "teamName" TEXT,
    "channelConversationId" TEXT,
    "channelSetAt" DATETIME,
    "channelSetByMemberId" TEXT,
    "dailyTime" TEXT NOT NULL DEFAULT '08:30',
    "dailyEnabled" BOOLEAN NOT NULL DEFAULT true,
    "askAfterDays" INTEGER NOT NULL DEFAULT 14,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_BoardEntry" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "groupId" TEXT NOT NULL,
    "placedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "placedByMemberId" TEXT,
    "removedAt" DATETIME,
    "removedByMemberId" TEXT,
    "reasonCode" TEXT NOT NULL DEFAULT 'other',
    "reasonText" TEXT,
    "interventions" TEXT,
    "removalNote" TEXT,
    CONSTRAINT "BoardEntry_groupId_fkey" FOREIGN KEY ("groupId") REFERENCES "ResourceGroup" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_BoardEntry" ("groupId", "id", "placedAt", "placedByMemberId", "removedAt", "removedByMemberId") SELECT "groupId", "id", "placedAt", "placedByMemberId", "removedAt", "removedByMemberId" FROM "BoardEntry";
DROP TABLE "BoardEntry";
ALTER TABLE "new_BoardEntry" RENAME TO "BoardEntry";
CREATE INDEX "BoardEntry_groupId_removedAt_idx" ON "BoardEntry"("groupId", "removedAt");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

