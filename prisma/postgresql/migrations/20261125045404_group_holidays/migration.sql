-- AlterTable
ALTER TABLE "ResourceGroup" ADD COLUMN     "observeHolidays" BOOLEAN NOT NULL DEFAULT true;

