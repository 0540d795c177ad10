-- AlterTable
ALTER TABLE "Member" ADD COLUMN     "crisisPlanAccess" BOOLEAN;

-- AlterTable
ALTER TABLE "CrisisPlan" ADD COLUMN     "reviewIntervalMonths" INTEGER NOT NULL DEFAULT 6,
ADD COLUMN     "reviewedAt" TIMESTAMP(3),
ADD COLUMN     "reviewedByMemberId" TEXT;

-- AlterTable
ALTER TABLE "CrisisPlanVersion" ADD COLUMN     "section" TEXT;

-- AlterTable
ALTER TABLE "AuditEvent" ADD COLUMN     "conversationId" TEXT;

